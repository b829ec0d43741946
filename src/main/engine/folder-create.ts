import type { ImapFlow } from 'imapflow';
import { classifyError } from './classify-error.js';
import { MailferryError } from './errors.js';
import type { FolderMapping } from './folder-mapping.js';
import type { FolderStatus } from './folder-scan.js';
import type { MailboxContext } from './mailbox-context.js';

/** Characters some servers refuse in folder names although IMAP allows them (Cyrus: " % \ ; < >). */
const STRICT = /["%\\;<>*?|]/g;

/**
 * Makes sure a target folder exists. A name the server refuses is retried at once under a stable safe name
 * (the refused characters as "_", the same every run, so a later run finds that folder instead of asking
 * again). A folder that still cannot be created is a failure of all its messages: they are counted in its
 * row and the totals, and listed once. Returns the mapping to use (renamed or not), or undefined.
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
  if (safe !== m.target && existing.has(safe)) return renamed(ctx, m, status, safe, 'an earlier run');
  let refusal = await create(ctx, dst, m.target);
  if (!refusal) {
    existing.add(m.target);
    return m;
  }
  if (safe !== m.target) {
    const first = refusal;
    refusal = await create(ctx, dst, safe);
    if (!refusal) {
      existing.add(safe);
      return renamed(ctx, m, status, safe, `the server refused "${m.target}" (${first.replace(/\.$/, '')})`);
    }
  }
  ctx.failures.push({ folder: m.source, target: m.target, uid: 0, size: 0, date: '', subject: '', code: 'FOLDER_REFUSED', reason: refusal });
  ctx.tracker.count(m.source, 'failed', status.messages);
  ctx.notes.push(`Could not create "${m.target}" for "${m.source}": ${refusal} Its ${status.messages} messages are counted as failed.`);
  return undefined;
}

/** The target with the characters strict servers refuse replaced, below the namespace prefix. */
export function safeName(target: string, ns: { prefix: string; delimiter: string }): string {
  const prefix = ns.prefix && target.startsWith(ns.prefix) ? ns.prefix : '';
  return prefix + target.slice(prefix.length).split(ns.delimiter).map((s) => s.replace(STRICT, '_')).join(ns.delimiter);
}

function renamed(ctx: MailboxContext, m: FolderMapping & { target: string }, status: FolderStatus, safe: string, why: string): FolderMapping & { target: string } {
  ctx.notes.push(`Folder "${m.source}" is called "${safe}" on the destination: ${why === 'an earlier run' ? 'an earlier run created it there because the server refuses some characters of' : `${why}; the characters it refuses became "_" in`} "${m.target}".`);
  ctx.tracker.addFolder({ source: m.source, target: safe, role: m.role, sourceCount: status.messages });
  return { ...m, target: safe, targetExists: true };
}

/** CREATE; undefined when it worked, the user-facing reason when the server refused the name. */
async function create(ctx: MailboxContext, dst: ImapFlow, path: string): Promise<string | undefined> {
  try {
    await dst.mailboxCreate(path);
    return undefined;
  } catch (err) {
    const info = classifyError(err, { side: 'destination', host: ctx.job.destination.host, port: ctx.job.destination.port, folder: path, phase: 'create' });
    if (info.code !== 'FOLDER_REFUSED') throw new MailferryError(info, { cause: err });
    return info.message;
  }
}
