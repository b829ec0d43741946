import type { ImapFlow } from 'imapflow';
import { classifyError } from './classify-error.js';
import { MailferryError, type ErrorInfo } from './errors.js';

export interface AppendItem {
  raw: Buffer;
  flags: string[];
  internalDate: Date;
}

export type AppendOutcome = { ok: true; uid?: number; uidValidity?: number } | { ok: false; error: ErrorInfo };

/**
 * Puts messages into one destination folder. A refusal of one message (too big, rejected) is an outcome;
 * a lost connection or a mailbox-wide refusal (over quota) throws, leaving the batch in doubt.
 * Implementations may pipeline or use MULTIAPPEND; callers only see per-message outcomes in order.
 */
export interface DestinationWriter {
  append(folder: string, items: AppendItem[]): Promise<AppendOutcome[]>;
}

/** Refusals that concern a single message; anything else stops the batch. */
const PER_MESSAGE = new Set(['MESSAGE_TOO_BIG', 'MESSAGE_REFUSED']);

/** One APPEND at a time through imapflow: the baseline every IMAP server accepts. */
export class SerialWriter implements DestinationWriter {
  readonly #client: ImapFlow;
  readonly #ctx: { host: string; port: number };

  constructor(client: ImapFlow, ctx: { host: string; port: number }) {
    this.#client = client;
    this.#ctx = ctx;
  }

  async append(folder: string, items: AppendItem[]): Promise<AppendOutcome[]> {
    const out: AppendOutcome[] = [];
    for (const item of items) {
      try {
        const r = await this.#client.append(folder, item.raw, item.flags, item.internalDate);
        if (!r) throw new Error('APPEND returned no result');
        const o: AppendOutcome = { ok: true };
        if (r.uid !== undefined && r.uidValidity !== undefined) {
          o.uid = r.uid;
          o.uidValidity = Number(r.uidValidity);
        }
        out.push(o);
      } catch (err) {
        const info = classifyError(err, { side: 'destination', ...this.#ctx, folder, phase: 'append' });
        if (!PER_MESSAGE.has(info.code) || !this.#client.usable) throw new MailferryError(info, { cause: err });
        out.push({ ok: false, error: info });
      }
    }
    return out;
  }
}
