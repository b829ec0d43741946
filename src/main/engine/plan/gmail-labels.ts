/**
 * What Gmail's X-GM-LABELS say about a message. System labels arrive as \Inbox, \Sent, \Draft, \Important,
 * \Starred (\Trash and \Spam never show in All Mail); everything else is a user label, named like its folder.
 */
const VIEWS = new Set(['\\important', '\\starred']);
const PLACES = new Set(['\\inbox', '\\sent', '\\draft', '\\drafts']);

export function userLabels(labels: readonly string[]): string[] {
  return labels.filter((l) => !l.startsWith('\\'));
}

/** Archived: in All Mail only, with no folder of its own (Inbox, Sent, Drafts or a user label). */
export function isArchived(labels: readonly string[]): boolean {
  return labels.every((l) => VIEWS.has(l.toLowerCase()) || (l.startsWith('\\') && !PLACES.has(l.toLowerCase())));
}

export type LabelPlace = { kind: 'inbox' } | { kind: 'sent' } | { kind: 'drafts' } | { kind: 'label'; name: string } | { kind: 'archive' };

/**
 * The one folder a message goes to under the "one copy per message" policy: Inbox, then Sent, then
 * Drafts, then its first user label in name order (stable across runs), else Archive.
 */
export function primaryPlace(labels: readonly string[]): LabelPlace {
  const lower = new Set(labels.map((l) => l.toLowerCase()));
  if (lower.has('\\inbox')) return { kind: 'inbox' };
  if (lower.has('\\sent')) return { kind: 'sent' };
  if (lower.has('\\draft') || lower.has('\\drafts')) return { kind: 'drafts' };
  const user = userLabels(labels).sort();
  return user.length > 0 ? { kind: 'label', name: user[0]! } : { kind: 'archive' };
}

/**
 * User labels as IMAP keywords, so the destination copy still carries every label. Keywords are ASCII atoms:
 * non-ASCII is written in modified UTF-7 (RFC 3501 5.1.3, as folder names are), and the characters atoms
 * cannot hold (space, parentheses, quotes, wildcards, backslash, brackets) become '_'.
 */
export function labelKeywords(labels: readonly string[]): string[] {
  return [...new Set(userLabels(labels).map((l) => encodeModifiedUtf7(l).replace(/[\x00-\x20\x7f(){%*"\\\]]/g, '_')))];
}

/** RFC 3501 modified UTF-7: printable ASCII as is ("&" as "&-"), other runs as &<base64 of UTF-16BE, "," for "/">-. */
export function encodeModifiedUtf7(s: string): string {
  return s.replace(/&/g, '&-').replace(/[^\x20-\x7e]+/g, (run) => {
    const utf16 = Buffer.from(run, 'utf16le').swap16();
    return `&${utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`;
  });
}
