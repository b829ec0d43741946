/**
 * The engine's preflight (`mailferry test`) says each blocker and warning as one sentence for a terminal:
 * what is wrong, then what to do, in the command line's words ("run test again", "the job's folders.exclude",
 * "--connections-per-account"). The window shows them apart (the finding, then what to do) and in its own
 * words, so each known sentence is matched here, split where its advice starts, and reworded. The table is
 * tested against the engine's own functions: a sentence the engine rewords and this file no longer knows
 * fails a test instead of reaching the window half-translated.
 */
import type { ConnectionTestReport } from '../engine/preflight/connection-test.js';
import type { Finding, Preflight } from '../../shared/contract.js';
import { formatBytes } from '../../shared/format-bytes.js';
import { GMAIL_DAILY_DOWNLOAD_BYTES } from '../../shared/work-left.js';

interface Rule {
  code: string;
  /** Recognises the engine's sentence. */
  test: RegExp;
  /** Where its advice starts; the advice is the rest of the sentence. */
  advice?: RegExp;
  /** Advice for a sentence that has none of its own. */
  fixed?: string;
}

const RULES: readonly Rule[] = [
  { code: 'HIDDEN_LABELS', test: /^Gmail hides (?:a label|\d+ labels) from IMAP/, advice: /In Gmail: / },
  { code: 'HIDDEN_FOLDER', test: /^Gmail (?:hides [^"]+ from IMAP|shows no All Mail folder)/, advice: /In Gmail: / },
  { code: 'HIDDEN_FOLDER', test: /^Gmail shows no (?:Trash|Spam)/, advice: /To copy (?:it|them): / },
  { code: 'FOLDER_SIZE_LIMIT', test: /^Gmail's IMAP folder size limit/, advice: /In Gmail: / },
  { code: 'FOLDER_SHORT', test: /^Some folders show fewer messages/, advice: /check Gmail's folder size limit/ },
  { code: 'QUOTA', test: /^The destination has .* free but/, advice: /free space or raise the quota/ },
  { code: 'MESSAGE_SIZE', test: /(?:is|are) larger than .* and would be refused/, advice: /(?:Mailferry skips them|An administrator can raise it)/ },
  { code: 'FOLDER_RENAMED', test: /will be renamed to/, advice: /The messages are all copied/ },
  { code: 'CONNECTIONS', test: /connections (?:at once|to it at once)/, advice: /(?:Set connectionsPerAccount|Run these mailboxes|When they use more)/ },
  { code: 'KEYWORDS', test: /^The destination does not keep keywords/, advice: /every message is still copied/ },
  { code: 'USERNAME', test: /^The Gmail username .* is not a full address/, advice: /Gmail expects/ },
  { code: 'TEST_STOPPED', test: /^The test stopped: /, fixed: 'Click Test again; a connection that keeps dropping is retried by the migration too.' },
];

/** The command line's words in the advice, as the window says them. */
const WINDOW_WORDS: ReadonlyArray<readonly [RegExp, string]> = [
  [/ \(or list (?:it|them) in the job's folders\.exclude to leave (?:it|them) out on purpose\)/g, ''],
  [/,? then run test again/g, ', then click Test again'],
  [/run test again/g, 'click Test again'],
  [/[Ss]et connectionsPerAccount to (\d+) \(the job's options, or --connections-per-account \d+ for a batch file\)/g, 'set Connections per account to $1 in Settings'],
  [/Run these mailboxes one after another \(in separate files\)/g, 'Start these mailboxes one after another'],
  [/; then run again\./g, '; then Test again.'],
];

const capital = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** One sentence of the engine as a finding: what is wrong (`message`), what to do (`hint`), its kind (`code`). */
export function toFinding(text: string): Finding {
  const rule = RULES.find((r) => r.test.test(text));
  if (!rule) return { code: 'OTHER', message: text };
  const at = rule.advice ? text.search(rule.advice) : -1;
  const message = (at > 0 ? text.slice(0, at) : text).trim().replace(/[;:,]$/, '.');
  let hint = at > 0 ? text.slice(at).trim() : rule.fixed;
  if (hint) hint = capital(WINDOW_WORDS.reduce((h, [re, words]) => h.replace(re, words), hint).replace(/^To copy (?:it|them): /, ''));
  if (rule.code === 'KEYWORDS' || rule.code === 'FOLDER_RENAMED') hint = `Nothing to do: ${hint?.charAt(0).toLowerCase()}${hint?.slice(1)}`;
  return { code: rule.code, message: /[.!?]$/.test(message) ? message : `${message}.`, ...(hint ? { hint } : {}) };
}

/** A source sized over Gmail's daily limit: a warning that says the days and the way around them. */
export function gmailDaysFinding(estimate: NonNullable<Preflight['estimate']>): Finding | undefined {
  if (estimate.gmailDays <= 1) return undefined;
  const sampled = estimate.fromSample ? ` (estimated from the ${estimate.fromSample.toLocaleString('en-US')} newest messages)` : '';
  return {
    code: 'GMAIL_DAYS',
    message: `About ${formatBytes(estimate.totalBytes)} must come from Gmail${sampled}: its 2,500 MB a day download limit makes that take at least ${estimate.gmailDays} days.`,
    hint: 'Nothing stops: Mailferry waits at the limit and continues by itself. A Google Takeout export of the account has no such limit: add it as a mailbox of its own (From: a Google Takeout export), then run this one for what arrived since.',
  };
}

/** The report's findings, blockers apart from warnings, in the window's words. */
export function toPreflight(r: ConnectionTestReport): Preflight {
  const estimate = r.estimate
    ? { totalBytes: r.estimate.totalBytes, gmailDays: Math.ceil(r.estimate.totalBytes / GMAIL_DAILY_DOWNLOAD_BYTES), ...(r.estimate.fromSample ? { fromSample: r.estimate.fromSample } : {}) }
    : null;
  const days = estimate ? gmailDaysFinding(estimate) : undefined;
  return {
    blockers: r.blockers.map(toFinding),
    warnings: [...r.warnings.map(toFinding), ...(days ? [days] : [])],
    estimate,
    connections: (r.connections ?? []).map((c) => ({ ...c })),
  };
}
