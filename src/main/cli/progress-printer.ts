import type { MailboxProgress } from '../../shared/progress.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { formatDuration } from './table.js';

/**
 * Prints live progress: on a terminal one line per mailbox rewritten in place (a few times a second);
 * otherwise (logs, CI) a plain line per mailbox every few seconds and on every state change.
 */
export class ProgressPrinter {
  readonly #out: NodeJS.WriteStream;
  readonly #tty: boolean;
  readonly #latest = new Map<string, MailboxProgress>();
  #lastPrint = 0;
  #lastStates = new Map<string, string>();
  #drawn = 0;

  constructor(out: NodeJS.WriteStream = process.stderr) {
    this.#out = out;
    this.#tty = !!out.isTTY;
  }

  update = (p: MailboxProgress): void => {
    this.#latest.set(p.id, p);
    const stateChanged = this.#lastStates.get(p.id) !== p.state;
    this.#lastStates.set(p.id, p.state);
    const now = Date.now();
    if (this.#tty) {
      if (stateChanged || now - this.#lastPrint > 200) this.#redraw(now);
    } else if (stateChanged || now - this.#lastPrint > 5000) {
      this.#lastPrint = now;
      this.#out.write(describe(p) + '\n');
    }
  };

  /** Leaves the last lines on screen and moves below them. */
  finish(): void {
    if (this.#tty) this.#redraw(Date.now());
    this.#drawn = 0;
  }

  #redraw(now: number): void {
    this.#lastPrint = now;
    const lines = [...this.#latest.values()].map(describe);
    if (this.#drawn > 0) this.#out.write(`\x1b[${this.#drawn}A`);
    for (const l of lines) this.#out.write(`\x1b[2K${l.slice(0, (this.#out.columns || 120) - 1)}\n`);
    this.#drawn = lines.length;
  }
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
