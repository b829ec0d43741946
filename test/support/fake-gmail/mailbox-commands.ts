/**
 * Folder commands of the fake Gmail server: LIST (selection options, several patterns, RETURN
 * (SPECIAL-USE CHILDREN SUBSCRIBED STATUS (...)) as LIST-EXTENDED/LIST-STATUS allow), XLIST, LSUB,
 * STATUS, SELECT/EXAMINE, CLOSE/UNSELECT, ENABLE and the QUOTA pair. Names travel quoted, in modified
 * UTF-7 (UTF-8 after ENABLE UTF8=ACCEPT).
 */
import type { Command, Token } from './parser.js';
import { tokenText } from './parser.js';
import type { Session } from './session.js';
import type { FolderDef } from './store.js';

const STATUS_ITEMS = new Set(['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN', 'SIZE']);

/** XLIST's legacy names for the special-use attributes. */
const XLIST_ATTR: Record<string, string> = { '\\All': '\\AllMail', '\\Junk': '\\Spam', '\\Flagged': '\\Starred' };

function unknownMailbox(s: Session, name: string): string {
  return `NO [NONEXISTENT] Unknown Mailbox: ${s.encodeName(name).slice(1, -1).replace(/[\r\n]/g, ' ')}`;
}

function patternRegex(pattern: string): RegExp {
  const body = pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/%/g, '[^/]*');
  return new RegExp(`^${body}$`, 'su');
}

function matches(name: string, patterns: RegExp[]): boolean {
  return patterns.some((re) => re.test(name) || (name === 'INBOX' && new RegExp(re.source, 'siu').test(name)));
}

function hasChildren(s: Session, f: FolderDef): boolean {
  return s.ctx.store.folders.some((o) => o.name.startsWith(`${f.name}/`));
}

function attributes(s: Session, f: FolderDef, o: { subscribed: boolean; xlist: boolean }): string {
  const attrs: string[] = [];
  if (!f.selectable) attrs.push('\\Noselect');
  attrs.push(hasChildren(s, f) ? '\\HasChildren' : '\\HasNoChildren');
  if (o.subscribed && f.selectable) attrs.push('\\Subscribed');
  if (o.xlist && f.kind === 'inbox') attrs.push('\\Inbox');
  if (f.specialUse) attrs.push(o.xlist ? (XLIST_ATTR[f.specialUse] ?? f.specialUse) : f.specialUse);
  return `(${attrs.join(' ')})`;
}

/** `(MESSAGES 3 UIDNEXT 9)` for the items asked, in the order asked; a string on a bad item. */
function statusItems(s: Session, f: FolderDef, items: Token[]): { text: string } | { error: string } {
  const view = s.ctx.store.view(f.name);
  const out: string[] = [];
  for (const t of items) {
    const item = tokenText(t)?.toUpperCase();
    if (!item || !STATUS_ITEMS.has(item)) return { error: `BAD Invalid STATUS item ${item ?? ''}`.trim() };
    let value: number;
    if (item === 'MESSAGES') value = view.length;
    else if (item === 'RECENT') value = 0;
    else if (item === 'UIDNEXT') value = s.ctx.store.uidNext(f.name);
    else if (item === 'UIDVALIDITY') value = s.ctx.store.uidValidity(f.name);
    else if (item === 'UNSEEN') value = view.filter((v) => !v.msg.flags.has('\\Seen')).length;
    else value = view.reduce((sum, v) => sum + v.msg.raw.length, 0);
    out.push(`${item} ${value}`);
  }
  return { text: `(${out.join(' ')})` };
}

export async function handleList(s: Session, cmd: Command, verb: 'LIST' | 'XLIST'): Promise<void> {
  const args = [...cmd.args];
  const selection = new Set<string>();
  const first = args[0];
  if (first?.kind === 'list') {
    args.shift();
    for (const t of first.items) selection.add(tokenText(t)?.toUpperCase() ?? '');
  }
  const refToken = args.shift();
  const patToken = args.shift();
  const reference = refToken && refToken.kind !== 'list' ? s.decodeName(refToken)! : undefined;
  if (reference === undefined || !patToken) return s.tagged(cmd.tag, 'BAD Could not parse command');
  const patterns = patToken.kind === 'list' ? patToken.items.map((t) => s.decodeName(t) ?? '') : [s.decodeName(patToken) ?? ''];
  let returnSubscribed = false;
  let statusRequest: Token[] | undefined;
  if (args.length) {
    const [ret, opts] = args;
    if (args.length !== 2 || tokenText(ret)?.toUpperCase() !== 'RETURN' || opts?.kind !== 'list') return s.tagged(cmd.tag, 'BAD Could not parse command');
    for (let i = 0; i < opts.items.length; i++) {
      const opt = tokenText(opts.items[i])?.toUpperCase();
      if (opt === 'SUBSCRIBED') returnSubscribed = true;
      else if (opt === 'CHILDREN' || opt === 'SPECIAL-USE') continue; // always sent
      else if (opt === 'STATUS' && opts.items[i + 1]?.kind === 'list') statusRequest = (opts.items[++i] as { items: Token[] }).items;
      else return s.tagged(cmd.tag, `BAD Unknown RETURN option ${opt ?? ''}`.trim());
    }
  }
  for (const opt of selection) {
    if (!['SUBSCRIBED', 'SPECIAL-USE', 'REMOTE', 'RECURSIVEMATCH'].includes(opt)) return s.tagged(cmd.tag, `BAD Unknown selection option ${opt}`);
  }
  if (patterns.length === 1 && patterns[0] === '') {
    await s.untagged(`${verb} (\\Noselect) "/" ""`);
    return s.tagged(cmd.tag, 'OK Success');
  }
  const regexes = patterns.map((p) => patternRegex(reference + p));
  const subscribed = returnSubscribed || selection.has('SUBSCRIBED');
  for (const f of s.ctx.store.folders) {
    if (!matches(f.name, regexes)) continue;
    if (selection.has('SPECIAL-USE') && !f.specialUse) continue;
    await s.untagged(`${verb} ${attributes(s, f, { subscribed, xlist: verb === 'XLIST' })} "/" ${s.encodeName(f.name)}`);
    if (statusRequest && f.selectable) {
      const st = statusItems(s, f, statusRequest);
      if ('error' in st) return s.tagged(cmd.tag, st.error);
      await s.untagged(`STATUS ${s.encodeName(f.name)} ${st.text}`);
    }
  }
  return s.tagged(cmd.tag, 'OK Success');
}

export async function handleLsub(s: Session, cmd: Command): Promise<void> {
  const reference = s.decodeName(cmd.args[0]);
  const pattern = s.decodeName(cmd.args[1]);
  if (reference === undefined || pattern === undefined) return s.tagged(cmd.tag, 'BAD Could not parse command');
  const regexes = [patternRegex(reference + pattern)];
  for (const f of s.ctx.store.folders) {
    if (matches(f.name, regexes)) await s.untagged(`LSUB ${attributes(s, f, { subscribed: false, xlist: false })} "/" ${s.encodeName(f.name)}`);
  }
  return s.tagged(cmd.tag, 'OK Success');
}

export async function handleStatus(s: Session, cmd: Command): Promise<void> {
  const name = s.decodeName(cmd.args[0]);
  const items = cmd.args[1];
  if (name === undefined || items?.kind !== 'list' || cmd.args.length !== 2) return s.tagged(cmd.tag, 'BAD Could not parse command');
  const f = s.ctx.store.folder(name);
  if (!f || !f.selectable) return s.tagged(cmd.tag, `${unknownMailbox(s, name)} (Failure)`);
  const st = statusItems(s, f, items.items);
  if ('error' in st) return s.tagged(cmd.tag, st.error);
  await s.untagged(`STATUS ${s.encodeName(f.name)} ${st.text}`);
  return s.tagged(cmd.tag, 'OK Success');
}

const SYSTEM_FLAGS = ['\\Answered', '\\Flagged', '\\Draft', '\\Deleted', '\\Seen', '$NotPhishing', '$Phishing'];

export async function handleExamineSelect(s: Session, cmd: Command, readOnly: boolean): Promise<void> {
  const name = s.decodeName(cmd.args[0]);
  if (name === undefined || cmd.args[0]?.kind === 'list') return s.tagged(cmd.tag, 'BAD Could not parse command');
  if (cmd.args.length > 1) return s.tagged(cmd.tag, 'BAD Unknown SELECT parameter (CONDSTORE/QRESYNC are not offered)');
  s.selected = undefined;
  s.state = 'auth';
  const f = s.ctx.store.folder(name);
  if (!f || !f.selectable) return s.tagged(cmd.tag, `${unknownMailbox(s, name)} (now in authenticated state) (Failure)`);
  const view = s.ctx.store.view(f.name);
  const flags = new Set(SYSTEM_FLAGS);
  for (const m of s.ctx.store.messages) for (const fl of m.flags) flags.add(fl);
  const flagList = [...flags].join(' ');
  await s.untagged(`FLAGS (${flagList})`);
  await s.untagged(`OK [PERMANENTFLAGS (${readOnly ? '' : `${flagList} \\*`})] Flags permitted.`);
  await s.untagged(`OK [UIDVALIDITY ${s.ctx.store.uidValidity(f.name)}] UIDs valid.`);
  await s.untagged(`${view.length} EXISTS`);
  await s.untagged('0 RECENT');
  await s.untagged(`OK [UIDNEXT ${s.ctx.store.uidNext(f.name)}] Predicted next UID.`);
  s.selected = { name: f.name, readOnly, view };
  s.state = 'selected';
  return s.tagged(cmd.tag, `OK [${readOnly ? 'READ-ONLY' : 'READ-WRITE'}] ${s.encodeName(f.name).slice(1, -1)} selected. (Success)`);
}

export async function handleClose(s: Session, cmd: Command): Promise<void> {
  s.selected = undefined;
  s.state = 'auth';
  return s.tagged(cmd.tag, 'OK Returned to authenticated state. (Success)');
}

export async function handleEnable(s: Session, cmd: Command): Promise<void> {
  const enabled: string[] = [];
  for (const t of cmd.args) {
    const ext = tokenText(t)?.toUpperCase();
    if (ext === 'UTF8=ACCEPT' && s.ctx.opts.utf8Accept && !s.utf8) {
      s.utf8 = true;
      enabled.push(ext);
    }
  }
  await s.untagged(`ENABLED${enabled.map((e) => ` ${e}`).join('')}`);
  return s.tagged(cmd.tag, 'OK Success');
}

export async function handleQuota(s: Session, cmd: Command): Promise<void> {
  const usedKB = Math.ceil(s.ctx.store.messages.reduce((sum, m) => sum + m.raw.length, 0) / 1024);
  const limitKB = s.ctx.opts.quotaKB ?? 15 * 1024 * 1024;
  if (cmd.name === 'GETQUOTAROOT') {
    const name = s.decodeName(cmd.args[0]);
    if (name === undefined) return s.tagged(cmd.tag, 'BAD Could not parse command');
    await s.untagged(`QUOTAROOT ${s.encodeName(name === 'INBOX' || name.toUpperCase() === 'INBOX' ? 'INBOX' : name)} ""`);
  }
  await s.untagged(`QUOTA "" (STORAGE ${usedKB} ${limitKB})`);
  return s.tagged(cmd.tag, 'OK Success');
}
