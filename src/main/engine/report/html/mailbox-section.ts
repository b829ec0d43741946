import type { ClientReportMailbox } from '../client-report.js';
import { html, type SafeHtml } from './escape.js';
import { count, duration, formatBytes, num, stateWords, when } from './words.js';

/** Failures listed per mailbox in the HTML; the JSON report lists them all. */
const FAILURES_SHOWN = 100;

const APP_PASSWORDS_URL = 'https://myaccount.google.com/apppasswords';

/** One mailbox: who, where, in one sentence how far it is, the check, time left, folders, failures. */
export function mailboxSection(m: ClientReportMailbox): SafeHtml {
  return html`<section class="mailbox" id="${anchor(m.id)}">
<h2>${m.id}</h2>
<dl class="facts">
<dt>From (Gmail)</dt><dd>${endpoint(m.source)}</dd>
<dt>To (new server)</dt><dd>${endpoint(m.destination)}</dd>
<dt>Status</dt><dd>${stateWords(m.state)}${m.runs > 1 ? ` after ${m.runs} runs` : ''}</dd>
${m.firstStartedAt && m.lastFinishedAt ? html`<dt>Time</dt><dd>${timeLine(m)}</dd>` : ''}
<dt>On the new server</dt><dd>${count(m.messagesOnDestination, 'message')} (${formatBytes(m.bytesOnDestination)})</dd>
</dl>
<p class="lead">${headline(m)}</p>
${verification(m)}
${m.lastError && m.state !== 'done' ? html`<p class="note warn"><strong>Why the last run stopped:</strong> ${m.lastError.hint}</p>` : ''}
${timeLeft(m)}
${m.revokeAppPassword ? html`<p class="note">When the migration is finished, revoke the Gmail app password made for it at ${APP_PASSWORDS_URL} (Google account &gt; Security &gt; App passwords): it stays valid until it is revoked.</p>` : ''}
${folderTable(m)}
${failureTable(m)}
</section>`;
}

/** A stable, safe id for the summary table's links. */
export function anchor(id: string): string {
  return `mb-${id.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The mailbox in one sentence: "All 12,345 messages are on the new server." */
function headline(m: ClientReportMailbox): SafeHtml {
  const missing = m.verification?.folders.reduce((s, f) => s + f.missing, 0) ?? 0;
  if (m.verified === 'incomplete' && missing > 0) {
    return html`<strong class="bad">Not complete:</strong> the last check found ${count(missing, 'message')} missing on the new server.`;
  }
  if (m.runs === 0 && m.messagesOnDestination === 0) return html`<span class="todo">Nothing has been copied yet.</span>`;
  if (m.messagesToCopy === 0 && m.messagesFailed === 0) {
    return html`<strong class="ok">All ${count(m.messagesOnDestination, 'message')} ${m.messagesOnDestination === 1 ? 'is' : 'are'} on the new server.</strong>`;
  }
  const parts = [`${count(m.messagesOnDestination, 'message')} ${m.messagesOnDestination === 1 ? 'is' : 'are'} on the new server`];
  if (m.messagesToCopy > 0) parts.push(`${num(m.messagesToCopy)} still to copy`);
  if (m.messagesFailed > 0) parts.push(`${num(m.messagesFailed)} could not be copied (listed below)`);
  return html`${parts.join('; ')}.`;
}

function endpoint(e: { host: string | null; user: string | null }): SafeHtml | string {
  return e.user ? html`${e.user} <span class="todo">on ${e.host}</span>` : 'not recorded (runs before this version of Mailferry)';
}

function timeLine(m: ClientReportMailbox): string {
  // Over how long only when it differs from the copying time (pauses between runs).
  const span = m.elapsedSeconds && m.elapsedSeconds - m.runningSeconds > 60 ? `, over ${duration(m.elapsedSeconds)}` : '';
  return `${when(m.firstStartedAt!)} to ${when(m.lastFinishedAt!)}: ${duration(m.runningSeconds)} of copying${span}`;
}

function verification(m: ClientReportMailbox): SafeHtml {
  const v = m.verification;
  if (!v) return html`<p class="todo">Not checked message by message yet ("mailferry verify" compares both sides and records the result here).</p>`;
  const missing = v.folders.reduce((s, f) => s + f.missing, 0);
  const extra = v.folders.reduce((s, f) => s + f.extra, 0);
  const verdict = v.complete
    ? html`<span class="badge ok">Checked: complete</span> On ${when(v.at)} both sides were compared message by message: nothing is missing.`
    : html`<span class="badge bad">Checked: differences</span> On ${when(v.at)} both sides were compared message by message: ${count(missing, 'message')} missing on the new server, ${count(extra, 'message')} there that Gmail does not have (earlier mail, or duplicates).`;
  return html`<p>${verdict}</p>${v.changes.length ? html`<p class="note">What the new server changed in the copies (they are complete and recognised): ${v.changes.join(' ')}</p>` : ''}`;
}

function timeLeft(m: ClientReportMailbox): SafeHtml | string {
  const e = m.estimate;
  if (m.messagesToCopy === 0) return '';
  const size = e.bytesToCopy === null ? '' : ` (about ${formatBytes(e.bytesToCopy)})`;
  const limit = e.gmailLimitDays === null ? ''
    : e.gmailLimitDays <= 1 ? " That fits in one day of Gmail's download limit (2,500 MB a day)."
    : ` Gmail lets an account download 2,500 MB a day, so this takes at least ${count(e.gmailLimitDays, 'day')}.`;
  const pace = e.recentBytesPerDay === null || e.daysAtRecentPace === null ? ''
    : ` At the pace of the recent runs (${formatBytes(e.recentBytesPerDay)} a day), about ${count(Math.max(1, e.daysAtRecentPace), 'more day')}.`;
  return html`<p class="note">Still to copy: ${count(m.messagesToCopy, 'message')}${size}.${limit}${pace} Running the migration again continues where it stopped.</p>`;
}

function folderTable(m: ClientReportMailbox): SafeHtml | string {
  if (m.folders.length === 0) return '';
  const checked = m.verification !== null;
  const rows = m.folders.map((f) => html`<tr><td>${f.source}</td><td>${f.destination ?? '(not copied)'}</td>
<td class="n">${f.sourceMessages === null ? '?' : num(f.sourceMessages)}</td><td class="n">${num(f.onDestination)}</td><td class="n">${num(f.inLabel)}</td>
<td class="n">${num(f.failed)}</td><td class="n">${num(f.toCopy)}</td>${checked ? html`<td>${checkCell(f.verified)}</td>` : ''}</tr>`);
  return html`<h3>Folders</h3>
<table><thead><tr><th>Gmail folder</th><th>New server folder</th><th class="n">In Gmail</th><th class="n">On new server</th><th class="n" title="All Mail copies of mail that is under a label: copied with the label">In a label</th><th class="n">Could not copy</th><th class="n">Still to copy</th>${checked ? html`<th>Check</th>` : ''}</tr></thead>
<tbody>${rows}</tbody></table>`;
}

function checkCell(v: { missing: number; extra: number } | null): SafeHtml | string {
  if (!v) return 'not checked';
  if (v.missing === 0 && v.extra === 0) return html`<span class="ok">complete</span>`;
  return html`<span class="bad">${[v.missing ? `${num(v.missing)} missing` : '', v.extra ? `${num(v.extra)} extra` : ''].filter(Boolean).join(', ')}</span>`;
}

function failureTable(m: ClientReportMailbox): SafeHtml | string {
  if (m.failures.length === 0) return '';
  const shown = m.failures.slice(0, FAILURES_SHOWN);
  const rows = shown.map((f) => html`<tr><td>${f.folder}</td><td>${f.date ? when(f.date) : ''}</td><td class="n">${f.size === null ? '' : formatBytes(f.size)}</td>
<td>${f.reason}</td><td>${f.hint}</td></tr>`);
  const more = m.failures.length - shown.length;
  return html`<h3>Messages that could not be copied</h3>
<table><thead><tr><th>Gmail folder</th><th>Received</th><th class="n">Size</th><th>What happened</th><th>What to do</th></tr></thead>
<tbody>${rows}</tbody></table>${more > 0 ? html`<p>… and ${count(more, 'more message')}: the JSON report lists them all.</p>` : ''}`;
}
