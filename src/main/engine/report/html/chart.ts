import type { ClientReport } from '../client-report.js';
import { html, type SafeHtml } from './escape.js';
import { num } from './words.js';

interface Segment {
  value: number;
  color: string;
  label: string;
}

const WIDTH = 720;
const BAR = 680;
const COLORS = { ok: '#2e9b4f', bad: '#d9534f', todo: '#c4c8ce', warn: '#e0a030' };

/**
 * The summary chart: two stacked bars, messages (on the new server, could not be copied, still to copy) and
 * mailboxes (checked complete, differences found, not checked). Inline SVG: no script, no fetch, prints as
 * drawn; the same two bars whether the job has 1 mailbox or 500.
 */
export function summaryChart(r: ClientReport): SafeHtml {
  const s = r.summary;
  const bars = [
    bar(0, 'Messages', [
      { value: s.messagesOnDestination, color: COLORS.ok, label: 'on the new server' },
      { value: s.messagesFailed, color: COLORS.bad, label: 'could not be copied' },
      { value: s.messagesToCopy, color: COLORS.todo, label: 'still to copy' },
    ]),
    bar(90, 'Mailboxes', [
      { value: s.verifiedComplete, color: COLORS.ok, label: 'checked: complete' },
      { value: s.verifiedIncomplete, color: COLORS.warn, label: 'checked: differences found' },
      { value: s.notVerified, color: COLORS.todo, label: 'not checked yet' },
    ]),
  ];
  const label = `Messages: ${num(s.messagesOnDestination)} on the new server, ${num(s.messagesFailed)} could not be copied, ${num(s.messagesToCopy)} still to copy. ` +
    `Mailboxes: ${num(s.verifiedComplete)} checked complete, ${num(s.verifiedIncomplete)} with differences, ${num(s.notVerified)} not checked.`;
  return html`<svg class="chart" viewBox="0 0 ${WIDTH} 170" role="img" aria-label="${label}" xmlns="http://www.w3.org/2000/svg">${bars}</svg>`;
}

function bar(y: number, title: string, segments: Segment[]): SafeHtml {
  const total = segments.reduce((s, x) => s + x.value, 0);
  const shown = segments.filter((x) => x.value > 0);
  // Every non-zero part stays visible (at least 3 px), taken from the largest part.
  const widths = shown.map((x) => Math.max(3, (x.value / Math.max(1, total)) * BAR));
  const over = widths.reduce((s, w) => s + w, 0) - BAR;
  if (over > 0) widths[widths.indexOf(Math.max(...widths))]! -= over;
  let x = 20;
  const rects = shown.map((seg, i) => {
    const r = html`<rect x="${x.toFixed(1)}" y="${y + 26}" width="${widths[i]!.toFixed(1)}" height="24" fill="${seg.color}"><title>${num(seg.value)} ${seg.label}</title></rect>`;
    x += widths[i]!;
    return r;
  });
  let lx = 20;
  const legend = segments.map((seg) => {
    const text = `${num(seg.value)} ${seg.label}`;
    const item = html`<rect x="${lx}" y="${y + 60}" width="12" height="12" fill="${seg.color}"/><text x="${lx + 17}" y="${y + 71}">${text}</text>`;
    lx += 30 + text.length * 7;
    return item;
  });
  const empty = html`<rect x="20" y="${y + 26}" width="${BAR}" height="24" fill="none" stroke="${COLORS.todo}"/>`;
  return html`<text x="20" y="${y + 18}" font-weight="600">${title}</text>${total === 0 ? empty : rects}${legend}`;
}
