/**
 * A connection test's report as the window shows it: the form's Test result (ConnectionCheck), a row's latest
 * test (MailboxCheck), and the mapping step (MappingPreview). Sign-in errors and findings in the window's
 * words; blockers apart from warnings (preflight-findings.ts).
 */
import type { ErrorInfo } from '../engine/errors/errors.js';
import type { AppError, ConnectionCheck, LabelPolicyInfo, MailboxCheck, MailboxConfig, MappingPreview, SideCheck } from '../../shared/contract.js';
import { forTheWindow } from './app-error.js';
import type { AppTestReport } from './connection-test-adapter.js';
import { toPreflight } from './preflight-findings.js';

/** The label policies as the mapping preview offers them (the engine's JobOptions.labelPolicy). */
export const LABEL_POLICY_INFO: readonly LabelPolicyInfo[] = Object.freeze([
  {
    id: 'folder-per-label',
    title: 'A folder per label',
    summary: 'a message with three labels lands in three folders',
    description:
      'Each Gmail label becomes a folder. Sent, Drafts, Trash and Spam go to the destination’s own folders; mail that is only in ' +
      'All Mail goes to Archive. Starred and Important are views, not folders: the star is kept as a flag.',
  },
  {
    id: 'one-copy',
    title: 'One copy per message',
    summary: 'Inbox, then Sent, Drafts, its first label, else Archive',
    description:
      'Each message is copied once, into the first of those folders it is in; its other labels are not folders of their own. ' +
      'Needs Gmail’s labels (X-GM-EXT-1): other servers refuse this choice when the migration starts.',
  },
]);

const COPIED_ROLES = new Set(['inbox', 'special', 'label', 'archive']);
const SIDE_NAMES = { source: 'Gmail', destination: 'Destination' } as const;

export function sideCheck(s: AppTestReport['source'], takeout?: AppTestReport['takeout']): SideCheck {
  const out: SideCheck = { ok: s.ok, folderCount: s.folderCount, notable: { ...s.notable } };
  if (s.error) out.error = forTheWindow({ code: s.error.code, message: s.error.message, ...(s.error.hint ? { hint: s.error.hint } : {}) });
  if (s.quota) out.quota = { ...s.quota };
  if (takeout) out.takeout = { ...takeout };
  return out;
}

export function toConnectionCheck(r: AppTestReport): ConnectionCheck {
  return { source: sideCheck(r.source, r.takeout), destination: sideCheck(r.destination), preflight: toPreflight(r) };
}

/** A test report as the row shows it: ready, or why not (a failed sign-in, a blocker), with the warnings. */
export function toCheck(r: AppTestReport, at: number): MailboxCheck {
  const problems: AppError[] = [];
  for (const side of ['source', 'destination'] as const) {
    const s = r[side];
    if (!s.ok) problems.push(sideProblem(side === 'source' && r.fromExport ? 'Takeout export' : SIDE_NAMES[side], s.error));
  }
  const found = toPreflight(r);
  return {
    state: problems.length > 0 || found.blockers.length > 0 ? 'not-ready' : 'ready',
    at,
    problems,
    blockers: found.blockers,
    warnings: found.warnings,
    ...(r.source.ok && !r.takeout ? { folderCount: r.source.folderCount } : {}),
    ...(found.estimate ? { totalBytes: found.estimate.totalBytes, gmailDays: found.estimate.gmailDays } : {}),
  };
}

function sideProblem(side: string, e: ErrorInfo | undefined): AppError {
  if (!e) return { code: 'INTERNAL', message: `${side}: could not sign in.` };
  const w = forTheWindow({ code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) });
  return { ...w, message: `${side}: ${w.message}` };
}

/** The mapping step: every folder, where it goes and whether it is copied; the test's findings above it. */
export function toPreview(report: AppTestReport, c: MailboxConfig): MappingPreview {
  const excluded = new Set(c.exclude);
  const found = toPreflight(report);
  return {
    mailbox: report.mailbox,
    rows: report.mapping.map((m) => {
      const toggleable = COPIED_ROLES.has(m.role) && m.target !== null;
      return {
        source: m.source,
        target: m.target,
        role: m.role,
        messages: m.messages,
        sizeBytes: m.sizeBytes,
        ...(m.note ? { note: m.note } : {}),
        included: toggleable && !excluded.has(m.source),
        toggleable,
      };
    }),
    labelPolicies: LABEL_POLICY_INFO.map((p) => ({ ...p })),
    labelPolicy: c.labelPolicy,
    labelsAsKeywords: c.labelsAsKeywords,
    since: c.since ?? null,
    before: c.before ?? null,
    deleteMissing: c.deleteMissing ?? false,
    // A Takeout export names every message's labels (X-Gmail-Labels): one copy per message works from it too.
    gmailLabels: report.source.notable['X-GM-EXT-1'] === true || !!report.takeout,
    estimate: report.estimate ? { totalBytes: report.estimate.totalBytes, gmailDailyLimitDays: report.estimate.gmailDailyLimitDays } : null,
    blockers: found.blockers,
    warnings: found.warnings,
    ...(report.takeout ? { takeout: { ...report.takeout } } : {}),
  };
}
