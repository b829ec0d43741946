import type { ClientReport, ClientReportMailbox } from '../client-report.js';
import { summaryChart } from './chart.js';
import { html, SafeHtml } from './escape.js';
import { anchor, mailboxSection } from './mailbox-section.js';
import { REPORT_CSS } from './style.js';
import { count, formatBytes, num, stateWords, when } from './words.js';

/**
 * The client report as one self-contained HTML file: inline style and chart, no script, and a policy that
 * forbids any fetch, so it opens offline and shows the same everywhere. The summary comes first (the
 * sentence, the chart, one table row per mailbox), then one section per mailbox.
 */
export function renderHtmlReport(r: ClientReport): string {
  const doc = html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<title>Mail migration report</title>
<style>${new SafeHtml(REPORT_CSS)}</style>
</head>
<body>
<header>
<h1>Mail migration report</h1>
<p class="sub">${count(r.summary.mailboxes, 'mailbox', 'mailboxes')} copied from Gmail. Written ${when(r.generatedAt)} by Mailferry from its records of every run.</p>
</header>
<p class="lead">${overall(r)}</p>
${summaryChart(r)}
${r.summary.gmailLimitDays ? html`<p>Gmail lets each account download 2,500 MB a day: the mailboxes still being copied need at least ${count(r.summary.gmailLimitDays, 'more day')}.</p>` : ''}
${summaryTable(r.mailboxes)}
${r.mailboxes.map(mailboxSection)}
<footer>Sizes are the messages' sizes in Gmail. "In a label": Gmail's All Mail holds every message once more; mail under a label is copied into that label's folder, not a second time. Written by Mailferry; no password or sign-in secret is part of this report.</footer>
</body>
</html>
`;
  return doc.toString();
}

/** The whole job in one sentence. */
function overall(r: ClientReport): SafeHtml {
  const s = r.summary;
  const boxes = count(s.mailboxes, 'mailbox', 'mailboxes');
  if (s.mailboxes === 0) return html`There is nothing in this state folder yet: no mailbox has been migrated or checked.`;
  if (s.messagesToCopy === 0 && s.messagesFailed === 0 && s.verifiedIncomplete === 0) {
    const checked = s.verifiedComplete === s.mailboxes ? ', and every mailbox was checked message by message' : '';
    return html`<strong class="ok">All ${count(s.messagesOnDestination, 'message')} of ${boxes} ${s.messagesOnDestination === 1 ? 'is' : 'are'} on the new server${checked}.</strong>`;
  }
  const parts = [`${num(s.messagesOnDestination)} messages of ${boxes} are on the new server`];
  if (s.messagesToCopy) parts.push(`${num(s.messagesToCopy)} are still to copy`);
  if (s.messagesFailed) parts.push(`${num(s.messagesFailed)} could not be copied`);
  if (s.verifiedIncomplete) parts.push(`the check found differences in ${count(s.verifiedIncomplete, 'mailbox', 'mailboxes')}`);
  return html`${parts.join('; ')}.`;
}

function summaryTable(mailboxes: ClientReportMailbox[]): SafeHtml | string {
  if (mailboxes.length === 0) return '';
  // The Gmail address is the mailbox's name unless the job named it otherwise: said in its section.
  const rows = mailboxes.map((m) => html`<tr><td><a href="#${anchor(m.id)}">${m.id}</a></td><td>${m.destination.user ?? ''}</td>
<td class="n">${num(m.messagesOnDestination)}</td><td class="n">${formatBytes(m.bytesOnDestination)}</td><td class="n">${num(m.messagesToCopy)}</td><td class="n">${num(m.messagesFailed)}</td>
<td>${stateWords(m.state)}</td><td>${verdictBadge(m)}</td></tr>`);
  return html`<h2>Mailboxes</h2>
<table><thead><tr><th>Mailbox</th><th>To (new server)</th><th class="n">On new server</th><th class="n">Size</th><th class="n">Still to copy</th><th class="n">Could not copy</th><th>Status</th><th>Check</th></tr></thead>
<tbody>${rows}</tbody></table>`;
}

function verdictBadge(m: ClientReportMailbox): SafeHtml {
  if (m.verified === 'complete') return html`<span class="badge ok">complete</span>`;
  if (m.verified === 'incomplete') return html`<span class="badge bad">differences</span>`;
  return html`<span class="badge todo">not checked</span>`;
}
