/**
 * The extra column of an imapsync batch line: imapsync options for that mailbox. Those with a Mailferry
 * meaning are applied to the row, those Mailferry does anyway are noted and ignored, and any other is
 * refused with the reason, because silently dropping an option could copy what the consultant meant to
 * leave out (or the reverse).
 */
import { parseArgs } from 'node:util';
import { daysAgo, type BatchRow } from './batch-row.js';
import { regexToGlobs } from './regex-globs.js';

type Draft = Pick<BatchRow, 'source' | 'destination' | 'folders' | 'since' | 'before' | 'notes'>;

interface Rule {
  takesValue: boolean;
  /** Applies the option; returns a problem in words, or undefined. */
  apply?: (row: Draft, value: string, now: Date) => string | undefined;
  /** Why the option changes nothing here (noted once for the row). */
  ignored?: string;
  /** Why Mailferry cannot do what the option asks. */
  refused?: string;
}

const port = (side: 'source' | 'destination') => (row: Draft, v: string) => {
  if (!/^\d+$/.test(v)) return `takes a port number (got "${v}")`;
  row[side].port = Number(v);
  return undefined;
};
const security = (side: 'source' | 'destination', value: 'tls' | 'starttls') => (row: Draft) => {
  const other = row[side].security;
  if (other !== undefined && other !== value) return `asks for ${value} but the line also asks for ${other}; keep one of --ssl/--tls`;
  row[side].security = value;
  return undefined;
};
const filter = (list: 'include' | 'exclude') => (row: Draft, v: string) => {
  const r = regexToGlobs(v);
  if ('problem' in r) return `"${v}" cannot be written as a folder pattern: ${r.problem}; list the folders in Mailferry's CSV "${list}" column instead`;
  const folders = (row.folders ??= {});
  (folders[list] ??= []).push(...r.globs);
  return undefined;
};
const age = (bound: 'since' | 'before') => (row: Draft, v: string, now: Date) => {
  if (!/^\d+(\.\d+)?$/.test(v)) return `takes a number of days (got "${v}")`;
  row[bound] = daysAgo(Number(v), now);
  return undefined;
};

const ALREADY = 'Mailferry does this anyway';
const NO_EFFECT = 'it has no effect in Mailferry';
const RULES: Record<string, Rule> = {
  port1: { takesValue: true, apply: port('source') },
  port2: { takesValue: true, apply: port('destination') },
  ssl1: { takesValue: false, apply: security('source', 'tls') },
  ssl2: { takesValue: false, apply: security('destination', 'tls') },
  tls1: { takesValue: false, apply: security('source', 'starttls') },
  tls2: { takesValue: false, apply: security('destination', 'starttls') },
  exclude: { takesValue: true, apply: filter('exclude') },
  include: { takesValue: true, apply: filter('include') },
  folder: {
    takesValue: true,
    apply: (row, v) => {
      if (v.includes('*')) return `"${v}": a folder name with "*" cannot be told apart from a pattern`;
      ((row.folders ??= {}).include ??= []).push(v);
      return undefined;
    },
  },
  maxage: { takesValue: true, apply: age('since') },
  minage: { takesValue: true, apply: age('before') },
  automap: { takesValue: false, ignored: `${ALREADY} (special folders are matched by their SPECIAL-USE flags)` },
  gmail1: { takesValue: false, ignored: `${ALREADY} (Gmail's labels, All Mail and views are handled as such)` },
  syncinternaldates: { takesValue: false, ignored: `${ALREADY} (received dates are always kept)` },
  nofoldersizes: { takesValue: false, ignored: NO_EFFECT },
  nofoldersizesatend: { takesValue: false, ignored: NO_EFFECT },
  noreleasecheck: { takesValue: false, ignored: NO_EFFECT },
  delete1: { takesValue: false, refused: 'Mailferry never deletes anything from the source' },
  delete2: { takesValue: false, refused: 'per mailbox it is not supported: `mailferry migrate --delete-missing` does it for the whole batch' },
  delete2duplicates: { takesValue: false, refused: 'Mailferry never copies a message twice, so there is nothing to delete' },
  skipcrossduplicates: { takesValue: false, refused: 'one copy per message is the job option "labelPolicy": "one-copy", for a whole job file (use `mailferry import`, then edit the job)' },
  regextrans2: { takesValue: true, refused: 'Mailferry names destination folders itself (special folders by their role, labels by name)' },
  subfolder2: { takesValue: true, refused: 'Mailferry names destination folders itself (special folders by their role, labels by name)' },
  dry: { takesValue: false, refused: 'use `mailferry migrate --dry-run` for the whole batch' },
  justlogin: { takesValue: false, refused: 'use `mailferry test` for the whole batch' },
};

const PARSE_OPTIONS = Object.fromEntries(Object.entries(RULES).map(([name, r]) => [name, { type: r.takesValue ? 'string' : 'boolean', multiple: true }] as const));

/**
 * Splits the column at spaces; double quotes keep a value with spaces whole (imapsync's Windows loop hands
 * the column to Perl, which does the same). Backslashes stay as they are: they belong to regexes.
 */
function words(extra: string): string[] | undefined {
  if ((extra.match(/"/g)?.length ?? 0) % 2 === 1) return undefined;
  return (extra.match(/(?:"[^"]*"|[^\s"])+/g) ?? []).map((w) => w.replaceAll('"', ''));
}

/** Applies the extra column to the row; returns the problems found (none: the row is good). */
export function applyImapsyncOptions(row: Draft, extra: string, now: Date): string[] {
  const args = words(extra);
  if (!args) return ['the options column has an unmatched double quote'];
  const problems: string[] = [];
  const { tokens } = parseArgs({ args, options: PARSE_OPTIONS, strict: false, allowPositionals: true, tokens: true });
  for (const t of tokens) {
    // Not quoted: a password holding ";" shifts the fields, and its end lands here.
    if (t.kind === 'positional') problems.push('the options column holds a word that is no option (imapsync options start with --; a password holding ";" shifts the fields: put that user in a CSV file)');
    if (t.kind !== 'option') continue;
    const rule = RULES[t.name];
    if (!rule) {
      problems.push(`${t.rawName} is an imapsync option Mailferry does not understand; remove it (a batch understands ${Object.keys(RULES).filter((n) => RULES[n]!.apply).map((n) => `--${n}`).join(', ')})`);
    } else if (rule.refused) {
      problems.push(`${t.rawName}: ${rule.refused}`);
    } else if (rule.ignored) {
      row.notes.push(`${t.rawName} ignored: ${rule.ignored}`);
    } else if (rule.takesValue && t.value === undefined) {
      problems.push(`${t.rawName} needs a value`);
    } else {
      const problem = rule.apply!(row, t.value ?? '', now);
      if (problem) problems.push(`${t.rawName} ${problem}`);
    }
  }
  return problems;
}
