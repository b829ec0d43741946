/**
 * The report's only style sheet, inline so the file opens anywhere offline. Light on screen and on paper
 * (no dark backgrounds to waste toner); each mailbox starts a new printed page; tables repeat their header
 * on every printed page and rows are not split.
 */
export const REPORT_CSS = `
:root { color-scheme: light; --ok: #1e7b3a; --bad: #b3261e; --todo: #8a8f98; --line: #d9dce1; --soft: #f4f6f8; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 980px; padding: 32px 24px; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; color: #1c1f24; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 0 0 8px; overflow-wrap: anywhere; }
h3 { font-size: 16px; margin: 20px 0 6px; }
.sub { color: #555b65; margin: 0 0 20px; }
.lead { font-size: 18px; margin: 12px 0; }
.ok { color: var(--ok); } .bad { color: var(--bad); } .todo { color: #5f646c; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 13.5px; }
th, td { border-bottom: 1px solid var(--line); padding: 5px 8px; text-align: left; vertical-align: top; overflow-wrap: break-word; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; }
dl.facts dt { color: #555b65; } dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12.5px; border: 1px solid currentColor; white-space: nowrap; }
.note { background: var(--soft); border-left: 4px solid var(--line); padding: 8px 12px; margin: 10px 0; }
.note.warn { border-left-color: #c77700; }
section.mailbox { border-top: 2px solid var(--line); margin-top: 32px; padding-top: 20px; }
svg.chart { width: 100%; height: auto; max-width: 720px; display: block; margin: 8px 0 16px; }
svg.chart text { font: 13px system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; fill: #1c1f24; }
footer { margin-top: 40px; color: #6b717b; font-size: 12.5px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  section.mailbox { break-before: page; border-top: none; margin-top: 0; padding-top: 0; }
  thead { display: table-header-group; }
  tr, .note, dl.facts { break-inside: avoid; }
  h2, h3 { break-after: avoid; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
@page { margin: 16mm 14mm; }
`;
