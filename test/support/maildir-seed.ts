/**
 * Writes messages straight into a test server's maildirs: about 20x faster than APPEND for big corpora.
 * Works before Dovecot starts and while it runs (it rescans cur/ on the next SELECT/STATUS/NOOP).
 *
 * What Dovecot reads back:
 *   - bytes: the file as written (our corpus is CRLF; FETCH BODY[] returns it byte for byte);
 *   - INTERNALDATE: the file's mtime (set with utimes; whole seconds, shown in the server's zone);
 *   - flags: the ":2," suffix letters D(raft) F(lagged) R(eplied=\Answered) S(een) T(rashed=\Deleted),
 *     keywords as letters a-z indexed by the folder's dovecot-keywords file ("<n> <keyword>" lines);
 *   - RFC822.SIZE: the W= (CRLF size) field of the file name;
 *   - UID order: the order of the messages given (file names carry an increasing sequence number).
 * Files and directories are owned by the server's mail owner.
 *
 * Gmail-like source (seedGmailSource): each label is a maildir folder ('INBOX' included); system
 * 'sent' -> backing/Sent, 'drafts' -> backing/Drafts, 'trash' -> backing/Trash, 'spam' -> backing/Spam,
 * 'archived' -> backing/Archive (visible only in [Gmail]/All Mail). A message with N labels is N files.
 */
import { chown, rename, utimes, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CorpusMessage, SystemPlacement } from './corpus.js';
import { mkdirOwned, writeFileOwned } from './dovecot-env.js';
import type { DovecotServer } from './dovecot.js';

export interface SeedMessage {
  raw: Buffer;
  /** IMAP flags and keywords; default none. \Recent is ignored; \Deleted becomes 'T'. */
  flags?: readonly string[];
  /** INTERNALDATE; default now. Sub-second parts are dropped (maildir mtimes are read in seconds). */
  internalDate?: Date;
}

export interface SeededFolder {
  mailbox: string;
  dir: string;
  /** Full paths of the written files, in the order of the messages given. */
  files: string[];
}

const SYSTEM_LETTERS: Record<string, string> = { '\\draft': 'D', '\\flagged': 'F', '\\answered': 'R', '\\seen': 'S', '\\deleted': 'T' };
const MAX_KEYWORDS = 26;

let sequence = 0;

/** Reads dovecot-keywords, adds the missing keywords, rewrites it; returns keyword -> letter. */
function keywordLetters(dir: string, keywords: Set<string>, server: DovecotServer): Map<string, string> {
  const file = join(dir, 'dovecot-keywords');
  const byIndex = new Map<number, string>();
  if (existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const m = /^(\d+) (.+)$/.exec(line);
      if (m) byIndex.set(Number(m[1]), m[2]!);
    }
  }
  const letters = new Map<string, string>();
  for (const [i, kw] of byIndex) letters.set(kw, String.fromCharCode(97 + i));
  let changed = false;
  for (const kw of keywords) {
    if (letters.has(kw)) continue;
    let i = 0;
    while (byIndex.has(i)) i++;
    if (i >= MAX_KEYWORDS) throw new Error(`more than ${MAX_KEYWORDS} keywords in ${dir}`);
    byIndex.set(i, kw);
    letters.set(kw, String.fromCharCode(97 + i));
    changed = true;
  }
  if (changed) {
    const text = [...byIndex].sort((a, b) => a[0] - b[0]).map(([i, kw]) => `${i} ${kw}\n`).join('');
    writeFileOwned(file, text, server.owner);
  }
  return letters;
}

function flagSuffix(flags: readonly string[], letters: Map<string, string>): string {
  const system: string[] = [];
  const keywords: string[] = [];
  for (const flag of flags) {
    if (flag.startsWith('\\')) {
      const letter = SYSTEM_LETTERS[flag.toLowerCase()];
      if (letter) system.push(letter);
    } else {
      keywords.push(letters.get(flag)!);
    }
  }
  return [...new Set(system)].sort().join('') + [...new Set(keywords)].sort().join('');
}

/** Size with every bare LF counted as CRLF: what IMAP reports as RFC822.SIZE. */
function virtualSize(raw: Buffer): number {
  let extra = 0;
  for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) if (i === 0 || raw[i - 1] !== 13) extra++;
  return raw.length + extra;
}

async function pool<T>(items: readonly T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(width, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      await work(items[i]!, i);
    }
  });
  await Promise.all(runners);
}

/** Writes `messages` into the maildir of `mailbox` (an IMAP name on `server`, see DovecotServer.folderDir). */
export async function seedFolder(server: DovecotServer, user: string, mailbox: string, messages: readonly SeedMessage[]): Promise<SeededFolder> {
  if (!server.users.some((u) => u.user === user)) throw new Error(`${user} is not a user of this server`);
  const dir = server.folderDir(user, mailbox);
  for (const sub of ['cur', 'new', 'tmp']) mkdirOwned(join(dir, sub), server.owner);
  if (server.kind === 'destination' && mailbox.toUpperCase() !== 'INBOX' && !existsSync(join(dir, 'maildirfolder'))) {
    writeFileOwned(join(dir, 'maildirfolder'), '', server.owner); // Maildir++ marks subfolders so
  }
  const keywords = new Set(messages.flatMap((m) => (m.flags ?? []).filter((f) => !f.startsWith('\\'))));
  const letters = keywordLetters(dir, keywords, server);
  const asRoot = process.getuid?.() === 0;
  const batch = Math.floor(Date.now() / 1000);
  const names = messages.map((m) => {
    const seq = ++sequence;
    // "<secs>.M<usecs>P<pid>Q<n>.<host>": Dovecot orders new files by the time fields, so the M field
    // carries the sequence and UIDs follow the order given.
    const base = `${batch}.M${String(seq).padStart(6, '0')}P${process.pid}Q${seq}.mailferry-seed`;
    return `${base},S=${m.raw.length},W=${virtualSize(m.raw)}:2,${flagSuffix(m.flags ?? [], letters)}`;
  });
  const files = names.map((n) => join(dir, 'cur', n));
  await pool(messages, 8, async (m, i) => {
    const tmp = join(dir, 'tmp', names[i]!);
    await writeFile(tmp, m.raw, { mode: 0o600 });
    if (asRoot) await chown(tmp, server.owner.uid, server.owner.gid);
    const when = Math.floor((m.internalDate ?? new Date()).getTime() / 1000);
    await utimes(tmp, when, when);
    await rename(tmp, files[i]!); // rename keeps the mtime, and Dovecot never sees a half-written file
  });
  return { mailbox, dir, files };
}

const SYSTEM_FOLDERS: Record<SystemPlacement, string> = {
  sent: 'backing/Sent',
  drafts: 'backing/Drafts',
  trash: 'backing/Trash',
  spam: 'backing/Spam',
  archived: 'backing/Archive',
};

/** The physical folders (IMAP names on the source) a corpus message is written to: its labels, then its system folder. */
export function gmailPhysicalFolders(message: Pick<CorpusMessage, 'placement'>): string[] {
  const folders = [...message.placement.labels];
  if (message.placement.system) folders.push(SYSTEM_FOLDERS[message.placement.system]);
  return folders;
}

/** Seeds a whole corpus into one user of the Gmail-like source. Returns the seeded folders by IMAP name. */
export async function seedGmailSource(server: DovecotServer, user: string, corpus: readonly CorpusMessage[]): Promise<Map<string, SeededFolder>> {
  if (server.kind !== 'gmail-source') throw new Error('seedGmailSource needs the Gmail-like source');
  const byFolder = new Map<string, CorpusMessage[]>();
  for (const message of corpus) {
    for (const folder of gmailPhysicalFolders(message)) {
      const list = byFolder.get(folder) ?? [];
      list.push(message);
      byFolder.set(folder, list);
    }
  }
  const result = new Map<string, SeededFolder>();
  for (const [folder, messages] of byFolder) result.set(folder, await seedFolder(server, user, folder, messages));
  return result;
}

/** The [Gmail]/ mailbox that shows a backing folder (Archive shows only in All Mail). */
const VISIBLE_AS: Record<string, string> = {
  'backing/Sent': '[Gmail]/Sent Mail',
  'backing/Drafts': '[Gmail]/Drafts',
  'backing/Trash': '[Gmail]/Trash',
  'backing/Spam': '[Gmail]/Spam',
};

/**
 * What the source shows after seedGmailSource: message count per visible mailbox (labels, INBOX and
 * the seven [Gmail]/ mailboxes). All Mail, Starred and Important count every physical copy.
 */
export function expectedGmailCounts(corpus: readonly CorpusMessage[]): Map<string, number> {
  const counts = new Map<string, number>();
  const add = (name: string): void => void counts.set(name, (counts.get(name) ?? 0) + 1);
  for (const name of ['All Mail', 'Sent Mail', 'Drafts', 'Trash', 'Spam', 'Starred', 'Important']) counts.set(`[Gmail]/${name}`, 0);
  for (const message of corpus) {
    for (const folder of gmailPhysicalFolders(message)) {
      const visible = VISIBLE_AS[folder];
      if (visible) add(visible);
      else if (folder !== 'backing/Archive') add(folder);
      if (folder === 'backing/Trash' || folder === 'backing/Spam') continue;
      add('[Gmail]/All Mail');
      if (message.flags.includes('\\Flagged')) add('[Gmail]/Starred');
      if (message.flags.includes('$Important')) add('[Gmail]/Important');
    }
  }
  return counts;
}
