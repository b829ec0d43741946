/**
 * Maps the source (Gmail) folder list onto the destination, policy "a folder per label". Pure: the plan can be
 * previewed (dry run) and tested without a server.
 *
 * Decisions worth knowing:
 * - Roles come from SPECIAL-USE attributes only, never from names (Gmail localises them: "[Google Mail]/Gesendet").
 * - Targets are computed for every folder before the filter is applied, so a folder keeps the same target
 *   whatever the filter says (changing the filter between runs never moves a label to "X (2)").
 * - Unsafe characters become "_" (SUBSTITUTE), always the same way, so a re-run finds the same folder.
 * - A label whose first segment is "INBOX" (any case): on a destination whose personal namespace lives under
 *   INBOX (prefix "INBOX."), it goes under the inbox like every other folder ("INBOX/Foo" -> "INBOX.Foo"); on
 *   any other destination that segment becomes "INBOX_" so it never turns into a child of the real inbox.
 * - Two folders whose targets differ only in case (or Unicode normalisation) are told apart with " (2)",
 *   " (3)"... on the last segment, in sorted source order, because many servers fold case. A label never
 *   lands in the destination inbox, a special folder's target, or any destination SPECIAL-USE folder.
 */
export interface FolderInfo {
  /** Unicode, as imapflow gives it (modified UTF-7 already decoded). */
  path: string;
  delimiter: string | null;
  /** '\\Sent' etc. as imapflow's list() gives it (server-advertised only). */
  specialUse?: string;
  /** e.g. '\\Noselect', '\\Important', '\\HasChildren'. */
  flags: string[];
}

/**
 * Glob patterns matched against the whole SOURCE path (source delimiter, e.g. "Work/2024").
 * - '*' matches any run of characters, the delimiter included ("Work*" takes "Work", "Work/2024" and "Workshop");
 *   every other character is literal. To take a label with its sublabels, list "Work" and "Work/*".
 * - Case-sensitive, except a first segment spelling INBOX in any case (in the pattern and in the path).
 * - `include` (when non-empty) keeps only folders matching one of its patterns, special folders and INBOX
 *   included; an empty list counts as not given. `exclude` wins over `include`.
 */
export interface FolderFilter {
  include?: string[];
  exclude?: string[];
}

export interface MappingInput {
  source: FolderInfo[];
  destination: FolderInfo[];
  destDelimiter: string;
  /** Personal namespace prefix, e.g. '' or 'INBOX.'; a missing trailing delimiter is added. */
  destPrefix: string;
  filter?: FolderFilter;
}

export type FolderRole = 'inbox' | 'special' | 'label' | 'archive' | 'view' | 'noselect' | 'excluded';

export interface FolderMapping {
  source: string;
  role: FolderRole;
  target: string | null;
  specialUse?: string;
  targetExists: boolean;
  /** Set when the target must be created and should carry this special-use. */
  createSpecialUse?: string;
  /** The target the plain rule would give, and why it could not be used (a lowercase clause). */
  renamed?: { wanted: string; reason: string };
  note?: string;
}

/** Replaces every character a destination cannot hold in a folder name. ASCII, accepted by every server. */
export const SUBSTITUTE = '_';

const SPECIAL_NAMES: Record<string, string> = { '\\Sent': 'Sent', '\\Drafts': 'Drafts', '\\Trash': 'Trash', '\\Junk': 'Junk', '\\Archive': 'Archive' };
/**
 * The names hosting panels and mail clients give special folders, for servers that mark none (Courier):
 * an account that already has "Sent Items" or cPanel's "spam" keeps using it. First match wins, so the
 * usual name of the family comes first.
 */
const SPECIAL_ALIASES: Record<string, string[]> = {
  '\\Sent': ['Sent', 'Sent Items', 'Sent Messages', 'Sent Mail'],
  '\\Drafts': ['Drafts', 'Draft'],
  '\\Trash': ['Trash', 'Deleted Items', 'Deleted Messages', 'Bin'],
  '\\Junk': ['Junk', 'Junk E-mail', 'Junk Email', 'Spam'],
  '\\Archive': ['Archive', 'Archives'],
};
/** Canonical spelling of every special-use attribute we act on; XLIST's old names included. */
const SPECIAL_USE: Record<string, string> = {
  '\\all': '\\All', '\\allmail': '\\All', '\\archive': '\\Archive', '\\drafts': '\\Drafts', '\\flagged': '\\Flagged',
  '\\starred': '\\Flagged', '\\important': '\\Important', '\\inbox': '\\Inbox', '\\junk': '\\Junk', '\\spam': '\\Junk',
  '\\sent': '\\Sent', '\\trash': '\\Trash',
};
const VIEW_NOTES: Record<string, string> = {
  '\\Flagged': 'Starred is a view of the \\Flagged flag, not a folder: its messages keep the flag in their own folders',
  '\\Important': "Important is Gmail's ranking, not a folder: copying it would duplicate messages",
};
// Control characters, IMAP wildcards, and '/' (a path separator on file-based servers even when it is not
// the IMAP delimiter) are refused by common servers.
const REFUSED = /[\x00-\x1f\x7f*%/]/g;

interface Resolved {
  role: Exclude<FolderRole, 'excluded'>;
  target: string | null;
  specialUse?: string;
  createSpecialUse?: string;
  reasons: string[];
  note?: string;
}

interface Ctx {
  delim: string;
  prefix: string;
  nestsUnderInbox: boolean;
  inboxTarget: string;
  resolved: Map<string, Resolved>;
  used: Set<string>;
}

export function mapFolders(input: MappingInput): FolderMapping[] {
  const delim = input.destDelimiter;
  const prefix = input.destPrefix && !input.destPrefix.endsWith(delim) ? input.destPrefix + delim : input.destPrefix;
  const destInbox = input.destination.find((f) => isInbox(f.path));
  const ctx: Ctx = {
    delim,
    prefix,
    nestsUnderInbox: prefix.toUpperCase().startsWith('INBOX' + delim.toUpperCase()),
    inboxTarget: destInbox?.path ?? 'INBOX',
    resolved: new Map(),
    used: new Set([key('INBOX')]),
  };
  const destPaths = new Set(input.destination.map((f) => f.path));
  const destSorted = [...input.destination].sort((a, b) => compare(a.path, b.path));
  for (const f of destSorted) if (specialUseOf(f)) ctx.used.add(key(f.path));

  const sources = [...input.source].sort((a, b) => compareSource(a.path, b.path));
  // Non-label folders first, so their targets are reserved before any label can take them.
  for (const f of sources) {
    const r = resolveFixed(f, prefix, ctx.inboxTarget, destSorted, destPaths);
    if (!r) continue;
    ctx.resolved.set(f.path, r);
    if (r.target !== null) ctx.used.add(key(r.target));
  }
  // Labels in sorted order: a parent always sorts before its children, so its target is known first.
  for (const f of sources) if (!ctx.resolved.has(f.path)) ctx.resolved.set(f.path, resolveLabel(f, ctx));

  return sources.map((f) => toMapping(f, ctx.resolved.get(f.path)!, ctx, destPaths, destSorted, input));
}

/** INBOX, special-use, All Mail, views and \Noselect; undefined for a label. */
function resolveFixed(f: FolderInfo, prefix: string, inboxTarget: string, dest: FolderInfo[], destPaths: Set<string>): Resolved | undefined {
  const use = specialUseOf(f);
  if (isInbox(f.path) || use === '\\Inbox') return { role: 'inbox', target: inboxTarget, reasons: [] };
  if (f.flags.some((x) => /^\\(noselect|nonexistent)$/i.test(x))) {
    return { role: 'noselect', target: null, reasons: [], note: 'holds no messages (\\Noselect)' };
  }
  if (use === '\\Flagged' || use === '\\Important') return { role: 'view', target: null, specialUse: use, reasons: [], note: VIEW_NOTES[use]! };
  if (use === '\\All' || (use && SPECIAL_NAMES[use])) {
    const wantUse = use === '\\All' ? '\\Archive' : use;
    const r: Resolved = { role: use === '\\All' ? 'archive' : 'special', target: null, specialUse: use, reasons: [] };
    if (use === '\\All') r.note = 'only messages in no other folder (archived mail) are copied from All Mail';
    const marked = dest.find((d) => specialUseOf(d) === wantUse);
    const existing = marked ?? byName(dest, prefix, wantUse);
    if (existing) {
      r.target = existing.path;
      if (!marked) r.note = [r.note, `uses the existing "${existing.path}", found by its name (the destination marks no special folder for this)`].filter(Boolean).join('; ');
    } else {
      r.target = prefix + SPECIAL_NAMES[wantUse]!;
      if (!destPaths.has(r.target)) r.createSpecialUse = wantUse;
    }
    return r;
  }
  return undefined;
}

/** An unmarked, selectable destination folder with one of the usual names of this special use, any case. */
function byName(dest: FolderInfo[], prefix: string, use: string): FolderInfo | undefined {
  for (const name of SPECIAL_ALIASES[use] ?? []) {
    const hit = dest.find((d) => key(d.path) === key(prefix + name) && !specialUseOf(d) && !d.flags.some((x) => /^\\(noselect|nonexistent)$/i.test(x)));
    if (hit) return hit;
  }
  return undefined;
}

function resolveLabel(f: FolderInfo, ctx: Ctx): Resolved {
  const segs = split(f.path, f.delimiter);
  const leaf = safeSegment(segs[segs.length - 1]!, ctx.delim);
  const up = segs.length === 1 ? { base: ctx.prefix, reasons: [] } : parentBase(segs.slice(0, -1), f.delimiter, ctx);
  const reasons = [...up.reasons, ...leaf.reasons];
  const plain = up.base + leaf.value;
  let target = plain;
  for (let n = 2; ctx.used.has(key(target)); n++) target = `${plain} (${n})`;
  if (target !== plain) reasons.push(`another folder already goes to "${plain}" (names are compared ignoring case)`);
  ctx.used.add(key(target));
  return { role: 'label', target, reasons };
}

/** The destination path (with its trailing delimiter) under which a source folder's children go. */
function parentBase(segs: string[], srcDelim: string | null, ctx: Ctx): { base: string; reasons: string[] } {
  const known = ctx.resolved.get(segs.join(srcDelim ?? ''));
  if (known && known.target !== null && known.role !== 'inbox') {
    const renamed = known.target !== ctx.prefix + segs.join(ctx.delim);
    return { base: known.target + ctx.delim, reasons: renamed ? ['its parent folder has another name on the destination'] : [] };
  }
  if (segs.length === 1 && isInbox(segs[0]!)) {
    if (ctx.nestsUnderInbox) {
      return { base: ctx.inboxTarget + ctx.delim, reasons: ['the destination keeps every folder under its inbox, so sub-folders of the inbox go directly there'] };
    }
    if (ctx.prefix === '') {
      return { base: segs[0]! + SUBSTITUTE + ctx.delim, reasons: [`a top-level "INBOX" on the destination is the inbox itself, so this label's "${segs[0]!}" becomes "${segs[0]!}${SUBSTITUTE}"`] };
    }
  }
  // A parent that is not a label itself (\Noselect, a view, or not listed): named by the plain rule.
  const up = segs.length === 1 ? { base: ctx.prefix, reasons: [] } : parentBase(segs.slice(0, -1), srcDelim, ctx);
  const own = safeSegment(segs[segs.length - 1]!, ctx.delim);
  return { base: up.base + own.value + ctx.delim, reasons: [...up.reasons, ...own.reasons] };
}

/** Makes one name segment safe for the destination; the same input always gives the same output. */
export function safeSegment(segment: string, destDelimiter: string): { value: string; reasons: string[] } {
  if (segment === '') return { value: SUBSTITUTE, reasons: ['an empty name part is not allowed'] };
  const reasons: string[] = [];
  let v = segment;
  if (destDelimiter && v.includes(destDelimiter)) {
    v = v.split(destDelimiter).join(SUBSTITUTE);
    reasons.push(`"${destDelimiter}" separates folder levels on the destination`);
  }
  const cleaned = v.replace(REFUSED, SUBSTITUTE);
  if (cleaned !== v) reasons.push('control characters, "*", "%" and "/" are refused by IMAP servers');
  v = cleaned;
  const edges = v.replace(/^\s+/, (m) => SUBSTITUTE.repeat(m.length)).replace(/\s+$/, (m) => SUBSTITUTE.repeat(m.length));
  if (edges !== v) reasons.push('leading or trailing spaces are dropped or refused by many servers');
  v = edges;
  if (/^[.~]/.test(v)) {
    v = SUBSTITUTE + v.slice(1);
    reasons.push('a name starting with "." or "~" is refused by Maildir-based servers');
  }
  return { value: v, reasons };
}

function toMapping(f: FolderInfo, r: Resolved, ctx: Ctx, destPaths: Set<string>, dest: FolderInfo[], input: MappingInput): FolderMapping {
  const excludedBy = filterVerdict(f, input.filter);
  const m: FolderMapping = { source: f.path, role: excludedBy ? 'excluded' : r.role, target: excludedBy ? null : r.target, targetExists: false };
  if (r.specialUse) m.specialUse = r.specialUse;
  if (excludedBy) {
    m.note = excludedBy;
    return m;
  }
  if (r.target !== null) {
    m.targetExists = r.role === 'inbox' ? dest.some((d) => isInbox(d.path)) : destPaths.has(r.target);
    if (r.createSpecialUse && !m.targetExists) m.createSpecialUse = r.createSpecialUse;
    const folded = !m.targetExists && dest.find((d) => key(d.path) === key(r.target!));
    if (folded && r.role === 'label') m.note = `the destination has "${folded.path}", which differs only in case; a server that ignores case will use it`;
  }
  if (r.reasons.length > 0) m.renamed = { wanted: ctx.prefix + split(f.path, f.delimiter).join(ctx.delim), reason: r.reasons.join('; ') };
  if (r.note) m.note = r.note;
  return m;
}

/** Why the filter drops this folder, or undefined when it is kept. */
function filterVerdict(f: FolderInfo, filter: FolderFilter | undefined): string | undefined {
  if (!filter) return undefined;
  const path = canonicalInbox(f.path, f.delimiter);
  const hit = (p: string) => globMatch(canonicalInbox(p, f.delimiter, true), path);
  const ex = filter.exclude?.find(hit);
  if (ex !== undefined) return `excluded by the folder filter (exclude "${ex}")`;
  if (filter.include && filter.include.length > 0 && !filter.include.some(hit)) return 'excluded by the folder filter (matches no include pattern)';
  return undefined;
}

function globMatch(pattern: string, path: string): boolean {
  const re = pattern.split('*').map((part) => part.replace(/[\\^$.+?()[\]{}|]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`, 'su').test(path);
}

/** Spells a leading INBOX segment "INBOX"; in a pattern, "inbox*" counts as a leading INBOX too. */
function canonicalInbox(path: string, delim: string | null, isPattern = false): string {
  if (path.length < 5 || path.slice(0, 5).toUpperCase() !== 'INBOX') return path;
  const next = path.slice(5, 6);
  if (next === '' || (delim && path.slice(5, 5 + delim.length) === delim) || (isPattern && next === '*')) return 'INBOX' + path.slice(5);
  return path;
}

function specialUseOf(f: FolderInfo): string | undefined {
  if (f.specialUse) return SPECIAL_USE[f.specialUse.toLowerCase()] ?? f.specialUse;
  for (const flag of f.flags) {
    const use = SPECIAL_USE[flag.toLowerCase()];
    if (use) return use;
  }
  return undefined;
}

function split(path: string, delim: string | null): string[] {
  return delim ? path.split(delim) : [path];
}

function isInbox(path: string): boolean {
  return path.toUpperCase() === 'INBOX';
}

/** Collision key: servers may fold case, and Unicode names may arrive composed or decomposed. */
function key(path: string): string {
  return path.normalize('NFC').toLowerCase();
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** By path (UTF-16 code units, locale-independent), INBOX first. */
function compareSource(a: string, b: string): number {
  return Number(isInbox(b)) - Number(isInbox(a)) || compare(a, b);
}
