import type { RunResult } from '../run/run-migration.js';

export interface ReportFolderRow {
  source: string;
  target: string | null;
  role: string;
  sourceCount: number;
  copied: number;
  alreadyThere: number;
  skipped: number;
  failed: number;
}

export interface MigrationReport {
  tool: 'mailferry';
  startedAt: string;
  finishedAt: string;
  dryRun: boolean;
  ok: boolean;
  mailboxes: Array<{
    id: string;
    state: string;
    ok: boolean;
    error?: { code: string; message: string; hint?: string };
    totals: { planned: number; copied: number; alreadyThere: number; failed: number; bytesCopied: number; throttledReplies: number; stalledConnections: number };
    folders: ReportFolderRow[];
    failures: RunResult['mailboxes'][number]['failures'];
    notes: string[];
  }>;
}

/** The JSON report: per mailbox and folder what was copied, found, skipped or failed, and why. No secrets. */
export function buildReport(run: RunResult): MigrationReport {
  return {
    tool: 'mailferry',
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    dryRun: run.dryRun,
    ok: run.mailboxes.every((m) => m.ok),
    mailboxes: run.mailboxes.map((m) => ({
      id: m.id,
      state: m.progress.state,
      ok: m.ok,
      ...(m.error ? { error: { code: m.error.code, message: m.error.message, ...(m.error.hint ? { hint: m.error.hint } : {}) } } : {}),
      totals: {
        planned: m.progress.planned,
        copied: m.progress.copied,
        alreadyThere: m.progress.present,
        failed: m.progress.failed,
        bytesCopied: m.progress.bytesCopied,
        throttledReplies: m.progress.throttledReplies,
        stalledConnections: m.progress.stalledConnections,
      },
      folders: m.progress.folders.map((f) => ({
        source: f.source,
        target: f.target,
        role: f.role,
        sourceCount: f.sourceCount,
        copied: f.copied,
        alreadyThere: f.present,
        skipped: f.skipped,
        failed: f.failed,
      })),
      failures: m.failures,
      notes: m.notes,
    })),
  };
}
