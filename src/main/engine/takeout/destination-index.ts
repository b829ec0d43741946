import type { MessageMeta } from '../plan/folder-scan.js';

/**
 * What one destination folder held before this import and no ledger row claims, indexed by identity key,
 * so each batch of the stream is matched (plan/identity-match.ts) against the few destination messages
 * that share its keys instead of the whole folder. A destination message answers for one source message
 * at most: once matched it is taken.
 */
export class DestinationIndex {
  readonly #byKey = new Map<string, MessageMeta[]>();
  readonly #taken = new Set<number>();

  /** @param uidValidity the destination folder's, for the rows that claim its messages */
  constructor(metas: readonly MessageMeta[], readonly uidValidity: number) {
    for (const d of metas) {
      this.#put(d.key, d);
      // As matchMessages does: a destination that added a Message-ID is still found by the header key.
      if (d.headerKey !== d.key) this.#put(d.headerKey, d);
    }
  }

  get empty(): boolean {
    return this.#byKey.size === 0;
  }

  /** The destination messages not taken yet that could be copies of these source messages. */
  candidates(sources: readonly MessageMeta[]): MessageMeta[] {
    const out = new Map<number, MessageMeta>();
    for (const s of sources) for (const d of this.#byKey.get(s.key) ?? []) if (!this.#taken.has(d.uid)) out.set(d.uid, d);
    return [...out.values()];
  }

  take(uid: number): void {
    this.#taken.add(uid);
  }

  #put(key: string, d: MessageMeta): void {
    const list = this.#byKey.get(key);
    if (list) list.push(d);
    else this.#byKey.set(key, [d]);
  }
}
