import type { ImapFlow } from 'imapflow';
import type { MappingRow } from './connection-test.js';
import { formatBytes } from '../../../shared/format-bytes.js';

export interface SizeLimit {
  bytes: number;
  /** In words: "Microsoft 365's default limit of 35 MB", "the destination's limit of 20 MB". */
  name: string;
  /** What the user can do about it. */
  fix: string;
}

/** Unlimited, as Cyrus announces it when no maxmessagesize is set. */
const NO_LIMIT = 4294967295;

/** The limit to check the source against: the destination's APPENDLIMIT, else its provider's known default. */
export function sizeLimitOf(appendLimit: number | boolean | undefined, providerLimit: SizeLimit | undefined): SizeLimit | undefined {
  if (typeof appendLimit === 'number' && appendLimit > 0 && appendLimit < NO_LIMIT) {
    return {
      bytes: appendLimit,
      name: `the destination's limit of ${formatBytes(appendLimit)}`,
      fix: 'Mailferry skips them and lists them in the report; ask the host to raise the limit, or save them by hand.',
    };
  }
  return providerLimit;
}

/**
 * The source messages over the limit, found before the run by a server-side UID SEARCH LARGER per folder
 * (no download). With Gmail's labels each message is looked for once: in All Mail, Trash and Spam.
 */
export async function oversizeMessages(src: ImapFlow, rows: MappingRow[], gmailIds: boolean, limit: number): Promise<Array<{ folder: string; size: number; subject: string }>> {
  const folders = rows.filter((r) => r.target !== null && (!gmailIds || r.role === 'archive' || r.specialUse === '\\Trash' || r.specialUse === '\\Junk'));
  const out: Array<{ folder: string; size: number; subject: string }> = [];
  const seen = new Set<string>(); // without Gmail's labels All Mail repeats labelled messages: name each once
  for (const f of folders) {
    const lock = await src.getMailboxLock(f.source, { readOnly: true });
    try {
      const uids = await src.search({ larger: limit }, { uid: true });
      if (!Array.isArray(uids) || uids.length === 0) continue;
      for await (const m of src.fetch(uids.slice(0, 50).join(','), { uid: true, size: true, envelope: true }, { uid: true })) {
        const one = { folder: f.source, size: m.size ?? 0, subject: m.envelope?.subject ?? '' };
        const key = `${one.size}\u0000${one.subject}`;
        if (!seen.has(key)) out.push(one);
        seen.add(key);
      }
    } finally {
      lock.release();
    }
  }
  return out;
}

/** One warning naming the messages (the first ten), the limit and the fix. */
export function oversizeWarning(list: Array<{ folder: string; size: number; subject: string }>, limit: SizeLimit): string {
  const shown = list.slice(0, 10).map((m) => `${m.folder}: "${m.subject}" (${formatBytes(m.size)})`);
  const more = list.length > shown.length ? ` and ${list.length - shown.length} more` : '';
  return `${list.length} message${list.length === 1 ? ' is' : 's are'} larger than ${limit.name} and would be refused: ${shown.join('; ')}${more}. ${limit.fix}`;
}
