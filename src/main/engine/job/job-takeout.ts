/**
 * A mailbox whose source is a Google Takeout export instead of Gmail's IMAP server:
 * `"source": { "takeout": "export.tgz", "user": "ann@example.com" }`. The path is resolved from the job
 * file's folder and must be a readable file; `user` names the Gmail account (the mailbox's default id, and
 * the account a later IMAP delta reads). Nothing else belongs there: no host, port or password is used.
 */
import { resolve as resolvePath } from 'node:path';
import { got, isObject, unreadableFile, type Checker } from './job-checker.js';
import type { Endpoint } from './job.js';

const TAKEOUT_KEYS = ['takeout', 'user'];

export function isTakeoutSource(value: unknown): value is Record<string, unknown> {
  return isObject(value) && value.takeout !== undefined;
}

export function checkTakeoutSource(c: Checker, obj: Record<string, unknown>, path: string): (Endpoint & { takeout: string }) | undefined {
  for (const key of Object.keys(obj)) {
    if (!TAKEOUT_KEYS.includes(key)) c.add(`${path}.${key}`, 'is not used with "takeout": the source is the export file, not a server; remove it');
  }
  const user = c.string(obj.user, `${path}.user`);
  if (user !== undefined && !user.includes('@')) c.add(`${path}.user`, `must be the Gmail address the export is of, e.g. "ann@example.com" (got ${got(user)})`);
  let file: string | undefined;
  if (typeof obj.takeout !== 'string' || obj.takeout.trim() === '') {
    c.add(`${path}.takeout`, `must be the path of the Takeout export: the .tgz or .zip Takeout delivered, or the .mbox in it (got ${got(obj.takeout)})`);
  } else {
    const abs = resolvePath(c.jobFileDir, obj.takeout);
    const problem = unreadableFile(abs);
    if (problem) c.add(`${path}.takeout`, `${problem}: ${abs} (relative paths are resolved from the job file's folder)`);
    else file = abs;
  }
  if (user === undefined || file === undefined || !user.includes('@')) return undefined;
  // No server: host stays empty, so nothing signs in or connects on this side.
  return { host: '', port: 0, security: 'tls', user, takeout: file };
}
