import type { ImapFlow } from 'imapflow';
import { allUids, fetchMeta, type MessageMeta } from './folder-scan.js';

/**
 * The source's message metadata, kept until planning is done: when a connection drops during planning, the
 * next attempt plans again without fetching the header fields of every message a second time (about 2 MB
 * per 2,000 messages), so even a link that drops often gets through planning. Keyed by folder and
 * UIDVALIDITY: a renumbered folder starts afresh.
 */
export class SourceMetaCache {
  readonly #folders = new Map<string, { uidValidity: number; metas: Map<number, MessageMeta>; uids?: number[] }>();

  /** Forgets everything (planning is done; a later re-plan fetches again). */
  clear(): void {
    this.#folders.clear();
  }

  /** Meta of the given UIDs ('all': every message) of the folder selected on `src`, fetching only what is new. */
  async get(src: ImapFlow, path: string, uidValidity: number, uids: number[] | 'all'): Promise<MessageMeta[]> {
    const folder = this.#folder(path, uidValidity);
    const wanted = uids === 'all' ? (folder.uids = await allUids(src)) : uids;
    const missing = wanted.filter((u) => !folder.metas.has(u));
    if (missing.length > 0) for (const m of await fetchMeta(src, missing)) folder.metas.set(m.uid, m);
    return wanted.flatMap((u) => folder.metas.get(u) ?? []).sort((a, b) => a.uid - b.uid);
  }

  /** Remembers the whole UID list of a folder as just read from the source. */
  listed(path: string, uidValidity: number, uids: number[]): void {
    this.#folder(path, uidValidity).uids = uids;
  }

  /** The meta of every message of the folder as last listed, when all of it is here; else undefined. */
  whole(path: string, uidValidity: number): MessageMeta[] | undefined {
    const folder = this.#folders.get(path);
    if (!folder || folder.uidValidity !== uidValidity || !folder.uids) return undefined;
    const metas = folder.uids.flatMap((u) => folder.metas.get(u) ?? []);
    return metas.length === folder.uids.length ? metas : undefined;
  }

  #folder(path: string, uidValidity: number) {
    let folder = this.#folders.get(path);
    if (!folder || folder.uidValidity !== uidValidity) {
      folder = { uidValidity, metas: new Map() };
      this.#folders.set(path, folder);
    }
    return folder;
  }
}
