/**
 * What Takeout's X-Gmail-Labels header says about a message, in the terms the IMAP path already uses
 * (Gmail's X-GM-LABELS: \Inbox, \Sent, \Draft, \Important, \Starred and user labels), so that
 * plan/gmail-labels.ts and plan/archive-selection.ts decide folders exactly as for an IMAP pass.
 *
 * Takeout's spelling: "Inbox", "Sent", "Drafts", "Spam", "Trash", "Important", "Starred", "Opened",
 * "Unread", "Archived", "Chat", "Category Updates" (Gmail's inbox tabs) and the user labels, comma
 * separated, a label holding a comma in double quotes, non-ASCII as UTF-8 or RFC 2047 encoded words.
 * - Opened is \Seen (Unread is its absence), Starred is \Flagged, Drafts adds \Draft.
 * - Archived says what no label being there already says: it is not needed.
 * - Trash and Spam: Gmail shows such a message in that folder only, whatever other labels it keeps.
 * - The "Category ..." tabs are views of the inbox, not folders: never copied as folders.
 * - Chat transcripts are not mail (Gmail's IMAP does not show them either): not copied.
 */
export interface MessageLabels {
  /** As X-GM-LABELS gives them: \Inbox, \Sent, \Draft, \Important, \Starred, user labels. */
  labels: string[];
  flags: string[];
  /** Gmail shows the message in Trash or Spam only. */
  bin?: 'trash' | 'spam';
  chat: boolean;
  /** Inbox tabs ("Category Updates"): views. */
  categories: string[];
}

const SYSTEM: Record<string, string | null> = {
  inbox: '\\Inbox', sent: '\\Sent', drafts: '\\Draft', important: '\\Important', starred: '\\Starred',
  opened: null, unread: null, archived: null, trash: null, spam: null, chat: null,
};

export function readLabels(header: string | undefined): MessageLabels {
  const out: MessageLabels = { labels: [], flags: [], chat: false, categories: [] };
  for (const name of splitLabels(header ?? '')) {
    const lower = name.toLowerCase();
    if (/^category /.test(lower)) out.categories.push(name);
    else if (lower in SYSTEM) {
      const gm = SYSTEM[lower];
      if (gm) out.labels.push(gm);
      if (lower === 'opened') out.flags.push('\\Seen');
      if (lower === 'starred') out.flags.push('\\Flagged');
      if (lower === 'drafts') out.flags.push('\\Draft');
      if (lower === 'chat') out.chat = true;
      if (lower === 'trash') out.bin = 'trash';
      if (lower === 'spam' && out.bin !== 'trash') out.bin = 'spam';
    } else out.labels.push(name);
  }
  out.labels = [...new Set(out.labels)];
  out.flags = [...new Set(out.flags)];
  return out;
}

/** The comma-separated list, with double-quoted names and encoded words decoded. */
export function splitLabels(header: string): string[] {
  const names: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < header.length; i++) {
    const c = header[i]!;
    if (c === '"') {
      if (quoted && header[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      names.push(cur);
      cur = '';
    } else cur += c;
  }
  names.push(cur);
  return names.map((n) => decodeWords(n).trim()).filter((n) => n !== '');
}

/** RFC 2047 encoded words (=?charset?B|Q?...?=); the space between two of them is dropped. */
export function decodeWords(s: string): string {
  return s.replace(/\?=\s+=\?/g, '?==?').replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (all, charset: string, enc: string, text: string) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(text, 'base64')
      : Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    try {
      return new TextDecoder(charset.replace(/\*.*$/, '')).decode(bytes);
    } catch {
      return all; // an unknown charset: the name stays as written
    }
  });
}
