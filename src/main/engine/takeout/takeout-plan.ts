/**
 * Planning a Takeout import, the counterpart of plan/mailbox-plan.ts: the export's folders mapped onto
 * the destination with the IMAP pass's own mapping, targets created, the ledger's checkpoints per folder
 * (UIDVALIDITY: the file's identity, UIDs: message positions in the file), and per target folder what it
 * already holds (read once), so that copies made by an IMAP pass, another export or a run whose ledger is
 * gone are found instead of copied again.
 */
import type { ImapFlow } from 'imapflow';
import { onSide } from '../errors/side-errors.js';
import type { FolderWork } from '../plan/mailbox-plan.js';
import { ensureFolder } from '../plan/folder-create.js';
import { listFolders, personalNamespace } from '../plan/folder-list.js';
import { mapFolders, type FolderMapping } from '../plan/folder-mapping.js';
import { readFolderMeta, type FolderStatus } from '../plan/folder-scan.js';
import type { MailboxContext } from '../run/mailbox-context.js';
import { profileOf } from '../servers/server-profiles.js';
import { DestinationIndex } from './destination-index.js';
import type { ExportFile } from './export-file.js';
import { placer, sourceFolders, viewsOf } from './takeout-folders.js';
import type { MessageLabels } from './takeout-labels.js';
import type { ExportScan } from './takeout-scan.js';

const COPIED_ROLES = new Set(['inbox', 'special', 'label', 'archive']);

/** One source folder of the export and its destination folder. */
export interface TakeoutWork {
  /** What copy/append-batch.ts works with (the ledger row keys, the target, its PERMANENTFLAGS). */
  work: FolderWork;
  /** Messages of the export (in this pass's window) placed in this folder. */
  count: number;
  /** Positions in the file the ledger shows as finished, or as refused (for --retry-failed). */
  finished: Set<number>;
  failed: Set<number>;
  /** The target's messages before this import that no row of this import claims. */
  index: DestinationIndex;
}

export interface TakeoutPlan {
  works: Map<string, TakeoutWork>;
  /** The source folders a message is copied from (takeout-folders.ts placer). */
  place: (m: MessageLabels) => string[];
}

export async function planImport(ctx: MailboxContext, dst: ImapFlow, file: ExportFile, scan: ExportScan): Promise<TakeoutPlan> {
  const { ledger, tracker } = ctx;
  const mailbox = ctx.job.id;
  const dstFolders = await onSide(ctx.job, 'destination', () => listFolders(dst));
  const ns = personalNamespace(dst, dstFolders);
  ctx.destinationProfile = profileOf(dst);
  const folders = sourceFolders(scan.userLabels);
  const mappings = mapFolders({ source: folders, destination: dstFolders, destDelimiter: ns.delimiter, destPrefix: ns.prefix, ...(ctx.job.folders ? { filter: ctx.job.folders } : {}) });
  for (const m of mappings) if (m.renamed) ctx.notes.push(`Folder "${m.source}" is called "${m.target}" on the destination: ${m.renamed.reason}.`);
  const place = placer(folders, mappings, ctx.options.labelPolicy);

  const counts = new Map<string, { messages: number; bytes: number }>();
  const add = (path: string, n: number, bytes: number) => {
    const c = counts.get(path) ?? counts.set(path, { messages: 0, bytes: 0 }).get(path)!;
    c.messages += n;
    c.bytes += bytes;
  };
  for (const g of scan.groups.values()) {
    for (const p of place(g.labels)) add(p, g.count, g.bytes);
    for (const v of viewsOf(g.labels)) add(v, g.count, 0);
  }

  const works = new Map<string, TakeoutWork>();
  const existing = new Set(dstFolders.map((f) => f.path));
  for (const mapped of mappings) {
    const { messages, bytes } = counts.get(mapped.source) ?? { messages: 0, bytes: 0 };
    if (!COPIED_ROLES.has(mapped.role) || mapped.target === null) {
      tracker.addFolder({ source: mapped.source, target: null, role: mapped.role, sourceCount: mapped.role === 'view' ? messages : 0 });
      tracker.folderDone(mapped.source);
      continue;
    }
    const target = mapped as FolderMapping & { target: string };
    tracker.addFolder({ source: target.source, target: target.target, role: target.role, sourceCount: messages });
    if (messages === 0) {
      tracker.folderDone(target.source);
      continue;
    }
    const status: FolderStatus = { uidValidity: file.identity, uidNext: 0, messages };
    forgetOtherExports(ctx, target.source, file.identity);
    ctx.signal.throwIfAborted();
    // Created in mapping order (parents first) before any APPEND; one that cannot be created fails its messages.
    const m = ctx.dryRun ? target : await ensureFolder(ctx, dst, target, status, ns, existing);
    if (!m) continue;
    const finished = ledger.finishedUids(mailbox, m.source, file.identity);
    const failed = ledger.failedUids(mailbox, m.source, file.identity);
    const left = ctx.retryFailed ? failed.size : Math.max(0, messages - finished.size);
    tracker.plan(m.source, left, Math.round((bytes * left) / messages));
    let index = new DestinationIndex([], 0);
    let permanentFlags: string[] | null = null;
    if (!ctx.dryRun) {
      // uidNext 0 says "this file's import is not complete yet" (takeout-run.ts marks it complete).
      ledger.putFolder({ mailbox, sourcePath: m.source, uidValidity: file.identity, uidNext: 0, messages, targetPath: m.target });
      if (left > 0) {
        const read = await onSide(ctx.job, 'destination', () => readFolderMeta(dst, m.target, { forWriting: true }));
        const claimed = ledger.claimedDestUids(mailbox, m.target, read.uidValidity);
        index = new DestinationIndex(read.metas.filter((d) => !claimed.has(d.uid)), read.uidValidity);
        permanentFlags = read.permanentFlags;
      }
    }
    if (left === 0) tracker.folderDone(m.source);
    works.set(m.source, { work: { mapping: m, status, todo: [], permanentFlags }, count: messages, finished, failed, index });
  }
  return { works, place };
}

/**
 * Rows of another file (an earlier or cut export) mean nothing for this one: positions differ. They are
 * dropped, and with them their claims on destination messages, which the destination match then finds
 * again as "already there" (as a renumbered IMAP folder is handled).
 */
function forgetOtherExports(ctx: MailboxContext, source: string, identity: number): void {
  const cp = ctx.ledger.getFolder(ctx.job.id, source);
  if (!cp || cp.uidValidity === identity || ctx.dryRun) return;
  const dropped = ctx.ledger.dropOtherUidValidities(ctx.job.id, source, identity);
  ctx.notes.push(`"${source}" comes from another export file than the last run's; its ${dropped} earlier records were checked against the destination again.`);
}
