import type { MessageMeta } from './folder-scan.js';

/** Content fingerprints (message-identity.ts) of some messages of one folder, by UID. */
export type Fingerprints = (uids: number[]) => Promise<Map<number, string>>;

export interface MatchOptions {
  /** Fingerprints of source messages (from the source folder, or from the ledger for in-doubt copies). */
  source: Fingerprints;
  /** Fingerprints of destination messages. */
  destination: Fingerprints;
  /**
   * The destination rebuilds what it stores (Exchange: server-profiles.ts): sizes and bytes say nothing, so
   * messages sharing a key pair up one to one in UID order, without fingerprints.
   */
  rebuilds?: boolean;
}

export interface Match {
  meta: MessageMeta;
  destUid: number;
  /** Destination size minus source size: what the server changed (2: it added a final line ending). */
  sizeDelta: number;
}

/**
 * Finds which source messages a destination folder already holds, each destination message answering for
 * one source message at most. Recognises copies a server changed on store (size within what servers do,
 * see message-identity.ts) and never takes two different messages for one:
 *
 * - a key shared by one source and one destination message whose sizes agree (equal, or +2 for the final
 *   line ending Courier adds) is a match, as the Message-ID and received second say;
 * - anything less clear (several messages share the key on either side, or the sizes disagree) is decided
 *   by content fingerprints, fetched for those few messages only: equal fingerprints pair up one to one,
 *   so byte-identical twins stay two and a different message with the same Message-ID is copied;
 * - on a destination that rebuilds messages, the key alone decides (as many pairs as both sides have).
 */
export async function matchMessages(source: MessageMeta[], destination: MessageMeta[], fp: MatchOptions): Promise<{ found: Match[]; missing: MessageMeta[] }> {
  const pool = new Map<string, MessageMeta[]>();
  const put = (k: string, d: MessageMeta) => (pool.get(k) ?? pool.set(k, []).get(k)!).push(d);
  for (const d of [...destination].sort((a, b) => a.uid - b.uid)) {
    put(d.key, d);
    // A destination that added a Message-ID of its own is still found by a source message without one.
    if (d.headerKey !== d.key) put(d.headerKey, d);
  }
  const groups = new Map<string, MessageMeta[]>();
  for (const s of [...source].sort((a, b) => a.uid - b.uid)) (groups.get(s.key) ?? groups.set(s.key, []).get(s.key)!).push(s);

  const taken = new Set<number>();
  const found: Match[] = [];
  const missing: MessageMeta[] = [];
  const unclear: Array<{ src: MessageMeta[]; dst: MessageMeta[] }> = [];
  // Message-ID keys first: a destination message is claimed by its own Message-ID before a header key.
  const ordered = [...groups].sort(([a], [b]) => Number(a.startsWith('h:')) - Number(b.startsWith('h:')));
  for (const [key, src] of ordered) {
    const dst = (pool.get(key) ?? []).filter((d) => !taken.has(d.uid));
    for (const d of dst) taken.add(d.uid);
    if (dst.length === 0) missing.push(...src);
    else if (src.length === 1 && dst.length === 1 && (fp.rebuilds || plausibleSize(src[0]!, dst[0]!))) found.push(pair(src[0]!, dst[0]!));
    else if (fp.rebuilds) {
      src.forEach((s, i) => (i < dst.length ? found.push(pair(s, dst[i]!)) : missing.push(s)));
    } else unclear.push({ src, dst });
  }
  if (unclear.length > 0) {
    const [sfp, dfp] = await Promise.all([fp.source(unclear.flatMap((g) => g.src.map((m) => m.uid))), fp.destination(unclear.flatMap((g) => g.dst.map((m) => m.uid)))]);
    for (const { src, dst } of unclear) {
      const byFp = new Map<string, MessageMeta[]>();
      for (const d of dst) {
        const f = dfp.get(d.uid);
        if (f !== undefined) (byFp.get(f) ?? byFp.set(f, []).get(f)!).push(d);
      }
      for (const s of src) {
        const f = sfp.get(s.uid);
        const d = f === undefined ? undefined : byFp.get(f)?.shift();
        if (d) found.push(pair(s, d));
        else missing.push(s);
      }
    }
  }
  return { found, missing: missing.sort((a, b) => a.uid - b.uid) };
}

/** Sizes a server's known changes explain: none, or a final CRLF added (Courier). */
function plausibleSize(s: MessageMeta, d: MessageMeta): boolean {
  const delta = d.size - s.size;
  return delta === 0 || delta === 2;
}

function pair(s: MessageMeta, d: MessageMeta): Match {
  return { meta: s, destUid: d.uid, sizeDelta: d.size - s.size };
}
