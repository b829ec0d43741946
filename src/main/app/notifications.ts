/**
 * Desktop notifications: a migration of many mailboxes runs for hours or days, mostly with the window out of
 * sight. The user hears of a mailbox that needs them (it failed, it waits a long time for Gmail's daily limit,
 * another Mailferry run holds it) and of the end of everything that was started. Each trigger is a pure
 * function of the statuses (tested on its own); the Notifier watches the manager and asks the platform hook
 * to show them (Electron's Notification in main.ts, a list in the e2e bridge). The setting turns them off.
 */
import type { MailboxStatus } from '../../shared/contract.js';
import { isActive } from '../../shared/mailbox-actions.js';

export interface Notice {
  title: string;
  body: string;
}

/** A quota wait at least this long is worth a notification (Gmail's daily download limit: an hour at a time). */
export const LONG_WAIT_MS = 15 * 60_000;

const time = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
const said = (e: { message: string; hint?: string } | null | undefined) => (e ? `${e.message}${e.hint ? ` ${e.hint}` : ''}` : '');

/** What a mailbox's change is worth telling the user, or null. `prev` undefined: not seen before (no notice). */
export function attentionNotice(prev: MailboxStatus | undefined, next: MailboxStatus, now: number): Notice | null {
  if (!prev) return null;
  if (next.inUse && !prev.inUse) {
    return { title: `${next.id} is in use by another Mailferry run`, body: said(next.inUse) };
  }
  if (next.state === 'failed' && prev.state !== 'failed') {
    return { title: `${next.id} stopped`, body: said(next.lastError) || 'See its details in Mailferry.' };
  }
  if (next.state === 'waiting-quota' && prev.state !== 'waiting-quota' && next.nextAttemptAt !== null && next.nextAttemptAt - now >= LONG_WAIT_MS) {
    return {
      title: `${next.id} is waiting for a daily limit`,
      body: `${next.lastError?.message ?? 'A daily limit was reached.'} It continues by itself at ${time(next.nextAttemptAt)}; the other mailboxes go on meanwhile.`,
    };
  }
  return null;
}

/**
 * When nothing runs any more: a summary of the mailboxes that took part, unless the user stopped some of them
 * (a pause or a cancel is no end to announce).
 */
export function finishedNotice(participants: readonly MailboxStatus[]): Notice | null {
  if (participants.length === 0) return null;
  if (participants.some((s) => s.state !== 'done' && s.state !== 'failed')) return null;
  const failed = participants.filter((s) => s.state === 'failed').length;
  const messages = participants.reduce((n, s) => n + (s.progress?.failed ?? 0), 0);
  const copied = participants.reduce((n, s) => n + (s.progress?.copied ?? 0), 0);
  const boxes = (n: number) => `${n} mailbox${n === 1 ? '' : 'es'}`;
  if (failed === 0 && messages === 0) {
    return { title: 'Everything is done', body: `${boxes(participants.length)} finished; ${copied.toLocaleString('en-US')} messages copied.` };
  }
  const parts = [`${boxes(participants.length - failed)} done`];
  if (failed > 0) parts.push(`${boxes(failed)} stopped`);
  if (messages > 0) parts.push(`${messages.toLocaleString('en-US')} message${messages === 1 ? '' : 's'} could not be copied`);
  return { title: 'Mailferry has finished', body: `${parts.join(', ')}. See the details in Mailferry.` };
}

export interface NotifierSource {
  statuses(): MailboxStatus[];
  onStatus(listener: (batch: MailboxStatus[]) => void): () => void;
  onActivity(listener: (active: boolean) => void): () => void;
}

export class Notifier {
  readonly #last = new Map<string, MailboxStatus>();
  /** Mailboxes seen running since the manager last became active. */
  readonly #round = new Set<string>();
  readonly #unsubscribe: Array<() => void>;

  constructor(
    readonly source: NotifierSource,
    readonly enabled: () => boolean,
    readonly show: (n: Notice) => void,
    readonly now: () => number = Date.now,
  ) {
    for (const s of source.statuses()) this.#last.set(s.id, s);
    this.#unsubscribe = [source.onStatus((batch) => this.#statuses(batch)), source.onActivity((active) => this.#activity(active))];
  }

  close(): void {
    this.#unsubscribe.forEach((u) => u());
  }

  #statuses(batch: MailboxStatus[]): void {
    for (const s of batch) {
      const notice = attentionNotice(this.#last.get(s.id), s, this.now());
      this.#last.set(s.id, s);
      if (isActive(s.state)) this.#round.add(s.id);
      if (notice) this.#tell(notice);
    }
  }

  #activity(active: boolean): void {
    const all = this.source.statuses();
    if (active) {
      this.#round.clear();
      for (const s of all) if (isActive(s.state)) this.#round.add(s.id);
      return;
    }
    const notice = finishedNotice(all.filter((s) => this.#round.has(s.id)));
    this.#round.clear();
    if (notice) this.#tell(notice);
  }

  #tell(n: Notice): void {
    if (!this.enabled()) return;
    try {
      this.show(n);
    } catch (err) {
      console.error('mailferry: a notification could not be shown', err);
    }
  }
}
