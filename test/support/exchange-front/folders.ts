/**
 * Exchange's folder rules over Dovecot's store. Exchange ignores case in folder names; Dovecot does not. So
 * the front looks a name up in the maildir (LAYOUT=fs: one directory per folder, UTF-8 names) and sends
 * Dovecot the existing folder's own spelling. Reading the directory instead of asking Dovecot keeps every
 * command decision synchronous: no extra round trip in the middle of a pipelined stream.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { mkdirOwned, type MailOwner } from '../dovecot-env.js';
import type { ExchangeFolder } from './strings.js';

/** RFC 3501 5.1.3 modified UTF-7 to Unicode ("&-" is "&"; other runs are base64 of UTF-16BE, "," for "/"). */
export function decodeMailboxName(name: string): string {
  return name.replace(/&([^-]*)-/g, (run: string, b64: string) => {
    if (b64 === '') return '&';
    const utf16be = Buffer.from(b64.replace(/,/g, '/'), 'base64');
    return utf16be.length % 2 === 0 ? utf16be.swap16().toString('utf16le') : run;
  });
}

/** Unicode to modified UTF-7 (what a server without UTF8=ACCEPT, like Exchange, speaks). */
export function encodeMailboxName(name: string): string {
  return name
    .replace(/&/g, '&-')
    .replace(/[^\x20-\x7e]+/g, (run) => `&${Buffer.from(run, 'utf16le').swap16().toString('base64').replace(/=+$/, '').replace(/\//g, ',')}-`);
}

/** Child folders of a maildir folder directory (cur/new/tmp hold its messages). */
function childFolders(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !['cur', 'new', 'tmp'].includes(e.name))
      .map((e) => e.name);
  } catch {
    return []; // no such folder (yet)
  }
}

/**
 * The wire name to give Dovecot for a name a client sent, in any case: each level that exists takes its
 * stored spelling ("sent items/x" -> "Sent Items/x"); `exists` says whether the whole name is a folder.
 */
export function resolveFolder(mailDir: string, wireName: string): { name: string; exists: boolean } {
  const given = decodeMailboxName(wireName).replace(/\/+$/, '');
  const out: string[] = [];
  let dir = mailDir;
  let exists = true;
  for (const part of given.split('/')) {
    const lower = part.toLowerCase();
    const match: string | undefined = !exists ? undefined : out.length === 0 && lower === 'inbox' ? 'INBOX' : childFolders(dir).find((n) => n.toLowerCase() === lower);
    exists &&= match !== undefined;
    out.push(match ?? part);
    dir = join(dir, match ?? part);
  }
  const stored = out.join('/');
  return { name: stored === given ? wireName : encodeMailboxName(stored), exists };
}

/** `Files` is reserved on Exchange (OneDrive attachments), whatever its case. */
export function isReservedName(wireName: string): boolean {
  return decodeMailboxName(wireName).replace(/\/+$/, '').toLowerCase() === 'files';
}

/** Exchange's standard folders, made as plain maildir folders so Dovecot lists them from the start. */
export function createExchangeFolders(mailDir: string, owner: MailOwner, folders: readonly ExchangeFolder[]): void {
  for (const { name } of folders) {
    for (const sub of ['cur', 'new', 'tmp']) mkdirOwned(join(mailDir, ...name.split('/'), sub), owner);
  }
}
