import type { createLogUpdate } from 'log-update';
import type { MailboxProgress } from '../../shared/progress.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { GMAIL_DAILY_DOWNLOAD_BYTES } from '../../shared/work-left.js';
import { formatDuration } from './table.js';

/** Mailboxes doing something come first, then those waiting, then the finished ones. */
const ORDER: Record<MailboxProgress['state'], number> = {
  copying: 0, planning: 1, connecting: 2, retrying: 3, 'waiting-quota': 4, queued: 5, paused: 6, failed: 7, cancelled: 8, done: 9,
};

/**
 * Live progress of one or many mailboxes. On a terminal (log-update redraws the block in place a few times
 * a second): one line per mailbox, the working ones first, as many as the window holds, then a total line
 * with messages, bytes, rate, time left and the days Gmail's daily download limit still imposes. Otherwise
 * (logs, cron, CI): a plain line per mailbox when its state changes, and the total line every half minute.
 */
export class ProgressPrinter {
  readonly #out: NodeJS.WriteStream;
  readonly #draw: ReturnType<typeof createLogUpdate> | undefined;
  readonly #latest = new Map<string, MailboxProgress>();
  readonly #lastStates = new Map<string, string>();
  #lastDraw = 0;
  #lastTotal = 0;

  private constructor(out: NodeJS.WriteStream, draw: ReturnType<typeof createLogUpdate> | undefined) {
    this.#out = out;
    this.#draw = draw;
  }

  /** log-update (and its string-width tables, ~40 ms to load) only for a terminal. */
  static async create(out: NodeJS.WriteStream = process.stderr): Promise<ProgressPrinter> {
    const draw = out.isTTY ? (await import('log-update')).createLogUpdate(out, { showCursor: true }) : undefined;
    return new ProgressPrinter(out, draw);
  }

  update = (p: MailboxProgress): void => {
    this.#latest.set(p.id, p);
    const changed = this.#lastStates.get(p.id) !== p.state;
    this.#lastStates.set(p.id, p.state);
    const now = Date.now();
    if (this.#draw) {
      if (changed || now - this.#lastDraw > 200) this.#redraw(now);
      return;
    }
    if (changed) this.#out.write(describe(p) + '\n');
    if (this.#latest.size > 1 && now - this.#lastTotal > 30_000) {
      this.#lastTotal = now;
      this.#out.write(total([...this.#latest.values()]) + '\n');
    }
  };

  /** Leaves the last picture on screen (or the last total line) and moves below it. */
  finish(): void {
    if (this.#draw) {
      this.#redraw(Date.now());
      this.#draw.done();
    } else if (this.#latest.size > 1) this.#out.write(total([...this.#latest.values()]) + '\n');
  }

  #redraw(now: number): void {
    this.#lastDraw = now;
    this.#draw!(render([...this.#latest.values()], Math.max(3, (this.#out.rows || 24) - 2), this.#out.columns || 120));
  }
}

/** The block a terminal shows: a line per mailbox (working first, at most `rows`), then the total line. */
export function render(all: MailboxProgress[], rows: number, columns: number): string {
  const sorted = [...all].sort((a, b) => ORDER[a.state] - ORDER[b.state] || a.id.localeCompare(b.id));
  const room = all.length > 1 ? rows - 1 : rows;
  const shown = sorted.length > room ? sorted.slice(0, room - 1) : sorted;
  const lines = shown.map(describe);
  const rest = sorted.slice(shown.length);
  if (rest.length > 0) lines.push(`… and ${rest.length} more: ${countStates(rest)}`);
  if (all.length > 1) lines.push(total(all));
  return lines.map((l) => ([...l].length > columns - 1 ? `${[...l].slice(0, columns - 2).join('')}…` : l)).join('\n');
}

export function describe(p: MailboxProgress): string {
  const done = p.copied + p.failed;
  const pct = p.planned > 0 ? Math.floor((100 * done) / p.planned) : p.state === 'done' ? 100 : 0;
  const folders = `${p.folders.filter((f) => f.done).length}/${p.folders.length} folders`;
  const base = `${p.id}: ${p.state} ${pct}% ${done}/${p.planned} msgs, ${formatBytes(p.bytesCopied)}, ${folders}`;
  const rate = p.state === 'copying' ? `, ${p.rate.toFixed(0)} msg/s ${formatBytes(p.byteRate)}/s, ETA ${formatDuration(p.etaSeconds)}` : '';
  const why = p.reason ? ` — ${p.reason.message}` : '';
  const next = p.nextAttemptAt ? ` (next try ${new Date(p.nextAttemptAt).toLocaleTimeString()})` : '';
  return base + rate + (p.present ? `, ${p.present} already there` : '') + why + next;
}

/**
 * All mailboxes together. Time left at the current pace; and since Gmail limits each account's downloads
 * to 2,500 MB a day and accounts run side by side, the mailbox with the most left sets the days.
 */
export function total(all: MailboxProgress[]): string {
  const sum = (f: (p: MailboxProgress) => number) => all.reduce((s, p) => s + f(p), 0);
  const finished = all.filter((p) => p.state === 'done').length;
  const done = sum((p) => p.copied + p.failed);
  const planned = sum((p) => p.planned);
  const byteRate = sum((p) => (p.state === 'copying' ? p.byteRate : 0));
  const left = sum((p) => Math.max(0, p.bytesPlanned - p.bytesCopied));
  const eta = byteRate > 0 ? left / byteRate : null;
  const days = Math.max(0, ...all.map((p) => Math.max(0, p.bytesPlanned - p.bytesCopied) / GMAIL_DAILY_DOWNLOAD_BYTES));
  const limit = days > 1 ? `; Gmail's daily download limit makes it at least ${Math.ceil(days)} days` : '';
  return `Total: ${finished}/${all.length} mailboxes done, ${done}/${planned} msgs, ${formatBytes(sum((p) => p.bytesCopied))} of ${formatBytes(sum((p) => p.bytesPlanned))}, ` +
    `${sum((p) => (p.state === 'copying' ? p.rate : 0)).toFixed(0)} msg/s ${formatBytes(byteRate)}/s, ETA ${formatDuration(eta)}${limit}`;
}

function countStates(list: MailboxProgress[]): string {
  const by = new Map<string, number>();
  for (const p of list) by.set(p.state, (by.get(p.state) ?? 0) + 1);
  return [...by].map(([s, n]) => `${n} ${s}`).join(', ');
}
