/**
 * The CSV formats a batch file may have, as data: each column's name and what it sets on a row. Header
 * names are compared without case, spaces, "_" or "-" ("Source Email" = "source_email" = "SourceEmail").
 */
import type { BatchRow } from './batch-row.js';

/** Sets a cell on the row; returns a problem in words, or undefined. */
type Setter = (row: BatchRow, value: string) => string | undefined;
type Side = 'source' | 'destination';

export interface CsvFormat {
  name: string;
  /** Normalised names of the columns that identify the format. */
  required: string[];
  /** Column names as documented. */
  names: string[];
  /** By normalised column name. */
  setters: Map<string, Setter>;
}

export const normalizeHeader = (name: string): string => name.toLowerCase().replace(/[\s_-]/g, '');

const field = (side: Side, key: string): Setter => (row, v) => {
  if (v.trim() !== '') row[side][key] = v.trim();
  return undefined;
};
/** A number when it is one; anything else is left for the job's own check to name. */
const port = (side: Side): Setter => (row, v) => {
  if (v.trim() !== '') row[side].port = /^\d+$/.test(v.trim()) ? Number(v.trim()) : v.trim();
  return undefined;
};
/** Taken as written (a password may start or end with a space); empty: the keychain or passwordEnv at run time. */
const password = (side: Side): Setter => (row, v) => {
  if (v !== '') row.passwords[side] = v;
  return undefined;
};
/** Folder patterns separated by "|" ("Trash|Old/*"): "," and ";" are the file's own delimiters. */
const folders = (list: 'include' | 'exclude'): Setter => (row, v) => {
  const globs = v.split('|').map((g) => g.trim()).filter((g) => g !== '');
  if (globs.length > 0) (row.folders ??= {})[list] = globs;
  return undefined;
};
const text = (key: 'id' | 'since' | 'before'): Setter => (row, v) => {
  if (v.trim() !== '') row[key] = v.trim();
  return undefined;
};

function format(name: string, required: string[], columns: Record<string, Setter>): CsvFormat {
  return { name, required, names: Object.keys(columns), setters: new Map(Object.entries(columns).map(([k, s]) => [normalizeHeader(k), s])) };
}

/** MigrationWiz's user list: the login name, when given, signs in; the email names the mailbox. */
const MIGRATIONWIZ = format('a MigrationWiz user list', ['sourceemail', 'destinationemail'], {
  'Source Email': (row, v) => {
    if (v.trim() !== '') row.id = v.trim();
    row.source.user ??= v.trim();
    return undefined;
  },
  'Source Login Name': field('source', 'user'),
  'Source Password': password('source'),
  'Destination Email': (row, v) => {
    row.destination.user ??= v.trim();
    return undefined;
  },
  'Destination Login Name': field('destination', 'user'),
  'Destination Password': password('destination'),
});

/**
 * Microsoft's IMAP migration file: EmailAddress is the Microsoft 365 mailbox (the destination), UserName
 * and Password sign in to the IMAP server the mail comes from (the source).
 */
const MICROSOFT = format("Microsoft's IMAP migration file", ['emailaddress', 'username'], {
  EmailAddress: field('destination', 'user'),
  UserName: field('source', 'user'),
  Password: password('source'),
  UserRoot: (_row, v) => (v.trim() === '' ? undefined : 'UserRoot (an administrator signing in to other users\' mailboxes) is not supported: give each user\'s own UserName and Password'),
});

const MAILFERRY = format("Mailferry's batch columns", ['sourceuser', 'destinationuser'], {
  id: text('id'),
  source_host: field('source', 'host'),
  source_port: port('source'),
  source_security: field('source', 'security'),
  source_user: field('source', 'user'),
  source_password: password('source'),
  source_ca: field('source', 'ca'),
  source_service_account: field('source', 'serviceAccount'),
  destination_host: field('destination', 'host'),
  destination_port: port('destination'),
  destination_security: field('destination', 'security'),
  destination_user: field('destination', 'user'),
  destination_password: password('destination'),
  destination_ca: field('destination', 'ca'),
  destination_provider: field('destination', 'provider'),
  destination_tenant: field('destination', 'tenant'),
  destination_client_id: field('destination', 'oauthClientId'),
  destination_auth: field('destination', 'auth'),
  include: folders('include'),
  exclude: folders('exclude'),
  since: text('since'),
  before: text('before'),
});

export const CSV_FORMATS: readonly CsvFormat[] = [MIGRATIONWIZ, MICROSOFT, MAILFERRY];
