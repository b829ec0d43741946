import type { ImapFlow } from 'imapflow';
import PQueue from 'p-queue';
import { gmailArchiveRule, selectArchived } from './archive-selection.js';
import { coveredIndex } from './covered-index.js';
import { MailferryError } from '../errors/errors.js';
import { ensureFolder } from './folder-create.js';
import { profileOf } from '../servers/server-profiles.js';
import { mapFolders, type FolderInfo, type FolderMapping } from './folder-mapping.js';
import { listFolders, listFoldersWithStatus, personalNamespace } from './folder-list.js';
import { allUids, fetchFingerprints, folderStatus, isGmail, readFolderMeta, sourceFingerprints, type FolderStatus, type MessageMeta } from './folder-scan.js';
import { primaryPlace } from './gmail-labels.js';
import { describeWindow, inWindow } from '../job/date-window.js';
import { syncFolder } from './flag-sync.js';
import { matchMessages } from './identity-match.js';
import { droppedKeywords } from './keywords.js';
import type { SourceRef } from '../ledger/ledger.js';
import { COPIED_ROLES, nothingNew } from './folder-checkpoint.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { onSide } from '../errors/side-errors.js';

/** One source folder's share of the run: what to copy into which destination folder. */
export interface FolderWork {
  mapping: FolderMapping & { target: string };
  status: FolderStatus;
  /** Messages to copy, lowest UID first. */
  todo: MessageMeta[];
  /** The target's PERMANENTFLAGS (which keywords it keeps); null when unknown or nothing is to be copied. */
  permanentFlags: string[] | null;
}

/** What planning one folder found: the messages left to copy and what the target keeps of their flags. */
type FolderTodo = Pick<FolderWork, 'todo' | 'permanentFlags'>;
const NOTHING: FolderTodo = { todo: [], permanentFlags: null };

export interface MailboxPlan {
  mappings: FolderMapping[];
  work: FolderWork[];
}

/** Folders planned at once: each takes a source and a destination connection for a few round trips. */
const PLAN_CONCURRENCY = 3;

/**
 * Lists both sides, maps folders, creates what is missing, and works out per folder what is left to copy:
 * the ledger first (fast path), then the destination's own contents (so an in-doubt APPEND or a lost ledger
 * never leads to a duplicate). Reads no message bodies. Folders are planned a few at a time (planning is
 * round trips, which add up on a slow link); the work keeps the mapping order, All Mail last.
 */
export async function planMailbox(ctx: MailboxContext): Promise<MailboxPlan> {
  const prep = await ctx.source.use((src) => ctx.destination.use((dst) => prepare(ctx, src, dst), ctx.signal), ctx.signal);
  const queue = new PQueue({ concurrency: Math.max(1, Math.min(PLAN_CONCURRENCY, ctx.options.connectionsPerAccount)) });
  const planned = await Promise.all(
    prep.ready.map(({ m, status }) =>
      // A re-run's folders are mostly unchanged: answered from the ledger, without taking a connection.
      nothingNew(ctx.ledger, ctx.job.id, m.source, status) ? NOTHING : queue.add(
        // Without p-queue's signal, which would settle a running task at once on abort (see copyAll).
        () => ctx.source.use((src) => ctx.destination.use(async (dst) => {
          const todo = await folderTodo(ctx, src, dst, m, status, prep);
          // Then what changed about the copies already there: flags, and (opted in) deletions.
          const synced = await syncFolder(ctx, src, dst, m, status);
          ctx.synced.changed += synced.changed;
          ctx.synced.deleted += synced.deleted;
          return todo;
        }, ctx.signal), ctx.signal),
      ),
    ),
  );
  const work: FolderWork[] = prep.ready.map(({ m, status }, i) => {
    const { todo, permanentFlags } = planned[i]!;
    ctx.tracker.plan(m.source, todo.length, todo.reduce((sum, t) => sum + t.size, 0));
    if (todo.length === 0) ctx.tracker.folderDone(m.source);
    return { mapping: m, status, todo, permanentFlags };
  });
  noteDroppedKeywords(ctx, work);
  if (ctx.synced.changed > 0) {
    ctx.notes.push(`${ctx.dryRun ? 'Would bring' : 'Brought'} the flag changes made on the source since the last pass (read, starred, answered, keywords) to ${ctx.synced.changed} messages on the destination, without downloading them again.`);
  }
  if (ctx.synced.deleted > 0) {
    ctx.notes.push(`${ctx.dryRun ? 'Would delete' : 'Deleted'} ${ctx.synced.deleted} messages on the destination that are gone from the source since they were copied (--delete-missing).`);
  }
  if (ctx.window && ctx.outsideWindow > 0) {
    ctx.notes.push(`Only messages ${describeWindow(ctx.window)} were copied in this pass; ${ctx.outsideWindow} others are left for a later one.`);
  }
  return { mappings: prep.mappings, work };
}

interface Prepared {
  srcFolders: FolderInfo[];
  /** The source folders' status as listed before planning (where the server has LIST-STATUS). */
  srcStatus: Map<string, FolderStatus>;
  mappings: FolderMapping[];
  /** The folders to plan, in mapping order with All Mail last, their targets existing. */
  ready: Array<{ m: FolderMapping & { target: string }; status: FolderStatus }>;
}

/** Lists and maps both sides, registers every folder for progress, and creates missing targets in order. */
async function prepare(ctx: MailboxContext, src: ImapFlow, dst: ImapFlow): Promise<Prepared> {
  const [{ folders: srcFolders, status: srcStatus }, dstFolders] = await Promise.all([listFoldersWithStatus(src), onSide(ctx.job, 'destination', () => listFolders(dst))]);
  const ns = personalNamespace(dst, dstFolders);
  ctx.destinationProfile = profileOf(dst);
  const mappings = mapFolders({
    source: srcFolders,
    destination: dstFolders,
    destDelimiter: ns.delimiter,
    destPrefix: ns.prefix,
    ...(ctx.job.folders ? { filter: ctx.job.folders } : {}),
  });
  for (const m of mappings) if (m.renamed) ctx.notes.push(`Folder "${m.source}" is called "${m.target}" on the destination: ${m.renamed.reason}.`);

  const copied = mappings.filter((m): m is FolderMapping & { target: string } => COPIED_ROLES.has(m.role) && m.target !== null);
  // All Mail last: whether its messages are archived depends on every other folder.
  copied.sort((a, b) => Number(a.role === 'archive') - Number(b.role === 'archive'));

  const ready: Prepared['ready'] = [];
  const existing = new Set(dstFolders.map((f) => f.path));
  for (const mapped of copied) {
    ctx.signal.throwIfAborted();
    const status = srcStatus.get(mapped.source) ?? (await folderStatus(src, mapped.source));
    ctx.tracker.addFolder({ source: mapped.source, target: mapped.target, role: mapped.role, sourceCount: status.messages });
    // Created one after the other, parents before children, before any planning runs in parallel. Not side by
    // side: created over three connections at once, Courier 5 then listed a parent as \Noselect now and then.
    const m = ctx.dryRun ? mapped : await ensureFolder(ctx, dst, mapped, status, ns, existing);
    if (m) ready.push({ m, status });
  }
  for (const m of mappings) {
    if (!COPIED_ROLES.has(m.role)) {
      ctx.tracker.addFolder({ source: m.source, target: null, role: m.role, sourceCount: 0 });
      ctx.tracker.folderDone(m.source);
    }
  }
  return { srcFolders, srcStatus, mappings, ready };
}

/** The messages of one folder still to copy; records the ones found on the destination as present. */
async function folderTodo(
  ctx: MailboxContext,
  src: ImapFlow,
  dst: ImapFlow,
  m: FolderMapping & { target: string },
  status: FolderStatus,
  { srcFolders, srcStatus, mappings }: Prepared,
): Promise<FolderTodo> {
  const { ledger } = ctx;
  const mailbox = ctx.job.id;
  const cp = ledger.getFolder(mailbox, m.source);
  if (cp && cp.uidValidity !== status.uidValidity) {
    const dropped = ctx.dryRun ? 0 : ledger.dropOtherUidValidities(mailbox, m.source, status.uidValidity);
    if (!ctx.dryRun) ledger.putModseq(mailbox, m.source, null); // a renumbered folder's modseq means nothing
    ctx.notes.push(
      `"${m.source}" was renumbered on the source (UIDVALIDITY ${cp.uidValidity} -> ${status.uidValidity}); ` +
        `${dropped} earlier records were re-checked against the destination by content.`,
    );
  }
  const finished = ledger.finishedUids(mailbox, m.source, status.uidValidity);
  if (status.messages === 0) return saveCheckpoint(ctx, m, status, NOTHING);

  const gmail = isGmail(src);
  if (ctx.options.labelPolicy === 'one-copy' && !gmail) {
    throw new MailferryError({
      code: 'JOB_INVALID',
      message: 'The "one-copy" label policy needs Gmail\'s labels (X-GM-EXT-1), which this source server does not offer.',
      hint: 'Use "labelPolicy": "folder-per-label" for this mailbox.',
      retryable: false,
    });
  }
  const lock = await src.getMailboxLock(m.source, { readOnly: true });
  let candidates: MessageMeta[];
  let allMailMetas: MessageMeta[] | undefined;
  try {
    // --retry-failed: only the messages the ledger records as refused.
    const failed = ctx.retryFailed ? ledger.failedUids(mailbox, m.source, status.uidValidity) : undefined;
    const listed = await allUids(src);
    ctx.sourceMeta.listed(m.source, status.uidValidity, listed);
    const uids = listed.filter((u) => !finished.has(u) && (!failed || failed.has(u)));
    if (uids.length === 0) return saveCheckpoint(ctx, m, status, NOTHING);
    if (m.role === 'archive' && !gmail) {
      allMailMetas = await ctx.sourceMeta.get(src, m.source, status.uidValidity, 'all');
      const want = new Set(uids);
      candidates = allMailMetas.filter((x) => want.has(x.uid));
    } else candidates = await ctx.sourceMeta.get(src, m.source, status.uidValidity, uids);
  } finally {
    lock.release();
  }

  if (m.role === 'archive') {
    // Gmail's labels say where a message is; elsewhere the covered folders are compared by identity.
    const isArchived = gmail ? gmailArchiveRule(srcFolders, mappings) : undefined;
    const { archived, notArchived } = isArchived
      ? { archived: candidates.filter((x) => isArchived(x.labels ?? [])), notArchived: candidates.filter((x) => !isArchived(x.labels ?? [])) }
      : await selectArchived(candidates, { folder: m.source, metas: allMailMetas! }, await coveredIndex(ctx, src, srcFolders, mappings, srcStatus), (refs) => sourceFingerprints(src, refs));
    skip(ctx, m, status, notArchived, 'also in a labelled folder');
    candidates = archived;
  }
  if (ctx.options.labelPolicy === 'one-copy' && m.specialUse !== '\\Trash' && m.specialUse !== '\\Junk') {
    const primary = primaryFolders(srcFolders);
    const elsewhere = candidates.filter((x) => primary(x.labels ?? []) !== m.source);
    skip(ctx, m, status, elsewhere, 'one copy per message: copied with its first label');
    candidates = candidates.filter((x) => primary(x.labels ?? []) === m.source);
  }

  // Outside this pass's received-date window: not recorded, so a later pass copies them.
  const outside = candidates.filter((x) => !inWindow(x.internalDate, ctx.window));
  if (outside.length > 0) {
    ctx.outsideWindow += outside.length;
    candidates = candidates.filter((x) => inWindow(x.internalDate, ctx.window));
  }
  return saveCheckpoint(ctx, m, status, await notOnDestination(ctx, src, dst, m, status, candidates));
}

/** Removes (and records as present) the candidates the destination folder already holds. */
async function notOnDestination(
  ctx: MailboxContext,
  src: ImapFlow,
  dst: ImapFlow,
  m: FolderMapping & { target: string },
  status: FolderStatus,
  candidates: MessageMeta[],
): Promise<FolderTodo> {
  if (candidates.length === 0 || (ctx.dryRun && !m.targetExists)) return { todo: candidates, permanentFlags: null };
  const read = await onSide(ctx.job, 'destination', () => readFolderMeta(dst, m.target, { forWriting: true }));
  const { uidValidity: destUidValidity, metas: destMetas } = read;
  const claimed = ctx.ledger.claimedDestUids(ctx.job.id, m.target, destUidValidity);
  const { found, missing } = await matchMessages(candidates, destMetas.filter((d) => !claimed.has(d.uid)), {
    source: (uids) => fetchFingerprints(src, m.source, uids),
    destination: (uids) => onSide(ctx.job, 'destination', () => fetchFingerprints(dst, m.target, uids)),
    rebuilds: ctx.destinationProfile.rebuilds,
  });
  ctx.tracker.count(m.source, 'present', found.length);
  if (!ctx.dryRun) {
    ctx.ledger.recordFinished(
      found.map((f) => ({
        ref: ref(ctx, m.source, status, f.meta.uid),
        facts: facts(m.target, f.meta),
        state: 'present' as const,
        destUidValidity,
        destUid: f.destUid,
      })),
    );
  }
  if (!ctx.dryRun) {
    const pending = ctx.ledger.pending(ctx.job.id, m.source, status.uidValidity);
    const notLanded = missing.filter((x) => pending.has(x.uid)).map((x) => x.uid);
    if (notLanded.length > 0) ctx.ledger.forgetPending(ctx.job.id, m.source, status.uidValidity, notLanded);
  }
  return { todo: missing, permanentFlags: read.permanentFlags };
}

/** Once per run: the keywords left off because a target folder does not keep them (keywords.ts). */
function noteDroppedKeywords(ctx: MailboxContext, work: FolderWork[]): void {
  const folders: string[] = [];
  const keywords = new Set<string>();
  let messages = 0;
  for (const w of work) {
    const dropped = droppedKeywords(w.todo, ctx.options.labelsAsKeywords, w.permanentFlags);
    if (dropped.messages === 0) continue;
    folders.push(`"${w.mapping.target}"`);
    for (const k of dropped.keywords) keywords.add(k);
    messages += dropped.messages;
  }
  if (folders.length === 0) return;
  ctx.notes.push(
    `The destination does not keep keywords in ${folders.join(', ')} (its PERMANENTFLAGS have no \\*): ${messages} messages are copied ` +
      `without ${[...keywords].sort().join(', ')}; their other flags are kept.`,
  );
}

/** Records messages deliberately not copied from this folder. */
function skip(ctx: MailboxContext, m: FolderMapping & { target: string }, status: FolderStatus, metas: MessageMeta[], reason: string): void {
  ctx.tracker.count(m.source, 'skipped', metas.length);
  if (ctx.dryRun || metas.length === 0) return;
  ctx.ledger.recordFinished(metas.map((x) => ({ ref: ref(ctx, m.source, status, x.uid), facts: facts(m.target, x), state: 'skipped' as const, reason })));
}

/** For the one-copy policy: the source folder that holds a message's single copy, from its labels. */
function primaryFolders(srcFolders: FolderInfo[]): (labels: string[]) => string {
  const bySpecialUse = (use: string) => srcFolders.find((f) => f.specialUse === use)?.path ?? '';
  const places = { inbox: 'INBOX', sent: bySpecialUse('\\Sent'), drafts: bySpecialUse('\\Drafts'), archive: bySpecialUse('\\All') };
  return (labels) => {
    const p = primaryPlace(labels);
    return p.kind === 'label' ? p.name : places[p.kind];
  };
}

function saveCheckpoint(ctx: MailboxContext, m: FolderMapping & { target: string }, status: FolderStatus, todo: FolderTodo): FolderTodo {
  if (!ctx.dryRun) {
    ctx.ledger.putFolder({ mailbox: ctx.job.id, sourcePath: m.source, uidValidity: status.uidValidity, uidNext: status.uidNext, messages: status.messages, targetPath: m.target });
  }
  return todo;
}

export function ref(ctx: MailboxContext, sourcePath: string, status: FolderStatus, uid: number): SourceRef {
  return { mailbox: ctx.job.id, sourcePath, uidValidity: status.uidValidity, uid };
}

export function facts(targetPath: string, m: MessageMeta) {
  return { targetPath, key: m.key, size: m.size, internalDate: m.internalDate.getTime(), flags: m.flags };
}
