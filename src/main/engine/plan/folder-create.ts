import type { ImapFlow } from 'imapflow';
import { classifyError } from '../errors/classify-error.js';
import { MailferryError } from '../errors/errors.js';
import type { FolderMapping } from './folder-mapping.js';
import type { FolderStatus } from './folder-scan.js';
import type { MailboxContext } from '../run/mailbox-context.js';

/** Characters some servers refuse in folder names although IMAP allows them (Cyrus: " % \ ; < >). */
const STRICT = /["%\\;<>*?|]/g;

/**
 * Makes sure a target folder exists. A name the server refuses is retried at once under a stable safe name
 * (the refused characters as "_"; a name the server keeps for itself, as Exchange's "Files", numbered
 * " (2)"), the same every run, so a later run finds that folder instead of asking again. A name the server
 * says exists already in another case (Exchange ignores case) is that folder. A folder that still cannot be
 * created is a failure of all its messages: they are counted in its row and the totals, and listed once.
 * Returns the mapping to use (renamed or not), or undefined.
 */
export async function ensureFolder(
  ctx: MailboxContext,
  dst: ImapFlow,
  m: FolderMapping & { target: string },
  status: FolderStatus,
  ns: { prefix: string; delimiter: string },
  existing: Set<string>,
): Promise<(FolderMapping & { target: string }) | undefined> {
  if (m.targetExists) return m;
  const safe = safeName(m.target, ns);
  const numbered = `${safe} (2)`;
  for (const alt of new Set([safe, numbered])) {
    if (alt !== m.target && existing.has(alt)) return renamed(ctx, m, status, alt, `an earlier run created it there because the server refused "${m.target}"`);
  }
  let refusal: string | undefined;
  for (const name of new Set([m.target, safe, numbered])) {
    if (name === numbered && !/reserved/i.test(refusal ?? '')) break;
    const r = await create(ctx, dst, name);
    if (r === undefined || r === EXISTS) {
      const have = r === EXISTS ? [...existing].find((p) => p.toLowerCase() === name.toLowerCase()) ?? name : name;
      existing.add(have);
      if (have === m.target) return m;
      const why = r === EXISTS
        ? `the server does not tell folder names apart by case, and already has it as "${have}"`
        : `the server refused "${m.target}" (${refusal!.replace(/\.$/, '')})`;
      return renamed(ctx, m, status, have, why);
    }
    refusal ??= r;
  }
  ctx.failures.push({ folder: m.source, target: m.target, uid: 0, size: 0, date: '', subject: '', code: 'FOLDER_REFUSED', reason: refusal! });
  ctx.tracker.count(m.source, 'failed', status.messages);
  ctx.notes.push(`Could not create "${m.target}" for "${m.source}": ${refusal} Its ${status.messages} messages are counted as failed.`);
  return undefined;
}

/** The target with the characters strict servers refuse replaced, below the namespace prefix. */
export function safeName(target: string, ns: { prefix: string; delimiter: string }): string {
  const prefix = ns.prefix && target.startsWith(ns.prefix) ? ns.prefix : '';
  return prefix + target.slice(prefix.length).split(ns.delimiter).map((s) => s.replace(STRICT, '_')).join(ns.delimiter);
}

function renamed(ctx: MailboxContext, m: FolderMapping & { target: string }, status: FolderStatus, name: string, why: string): FolderMapping & { target: string } {
  ctx.notes.push(`Folder "${m.source}" is called "${name}" on the destination: ${why}.`);
  ctx.tracker.addFolder({ source: m.source, target: name, role: m.role, sourceCount: status.messages });
  return { ...m, target: name, targetExists: true };
}

/** A CREATE the server answered with "already exists" (in another case: Exchange's names ignore case). */
const EXISTS = Symbol('exists');

/** CREATE: undefined when it worked, EXISTS, or the user-facing reason the server refused the name. */
async function create(ctx: MailboxContext, dst: ImapFlow, path: string): Promise<string | typeof EXISTS | undefined> {
  try {
    await dst.mailboxCreate(path);
    return undefined;
  } catch (err) {
    const info = classifyError(err, { side: 'destination', host: ctx.job.destination.host, port: ctx.job.destination.port, folder: path, phase: 'create' });
    if (/already exists|ALREADYEXISTS/i.test(String(info.details?.['serverResponse'] ?? ''))) return EXISTS;
    if (info.code !== 'FOLDER_REFUSED') throw new MailferryError(info, { cause: err });
    return info.message;
  }
}
