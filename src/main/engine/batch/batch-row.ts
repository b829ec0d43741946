/**
 * One mailbox of a batch file (imapsync's lines, a MigrationWiz or Microsoft CSV, Mailferry's own CSV), in
 * the job file's own field names, so parseJob checks it exactly as it checks a JOB.json. The passwords stay
 * beside it, never inside: what is handed to parseJob (and may be written as a job file) holds none.
 */

/** A side as the job file spells it: host, port, security, user, ca, and the Microsoft sign-in fields. */
export type RawEndpoint = Record<string, string | number>;

export interface BatchRow {
  /** Line of the file where the row starts (1-based), for every message about it. */
  line: number;
  source: RawEndpoint;
  destination: RawEndpoint;
  id?: string;
  folders?: { include?: string[]; exclude?: string[] };
  /** Received-date window, "YYYY-MM-DD" or an ISO instant, as the job file's per-mailbox "since"/"before". */
  since?: string;
  before?: string;
  /** Empty or absent: the password comes from the keychain or passwordEnv at run time, as for a job file. */
  passwords: { source?: string; destination?: string };
  /** Things of the file the row ignores on purpose (an imapsync option Mailferry does anyway). */
  notes: string[];
}

/** A line that could not become a mailbox, and why. */
export interface RowProblem {
  line: number;
  message: string;
}

/**
 * What every row starts from (the command line's --source-host, --destination-provider...). A row's own
 * values win; undefined values are left out.
 */
export interface BatchDefaults {
  source: RawEndpoint;
  destination: RawEndpoint;
}

export const NO_DEFAULTS: BatchDefaults = { source: {}, destination: {} };

/**
 * A side of a row over the defaults. A batch moves many users, so a Microsoft destination without "auth"
 * signs in app-only (no user has to sign in), and a source naming a service account signs in with it; a job
 * file still has to say which.
 */
export function withDefaults(defaults: RawEndpoint, row: RawEndpoint, side: 'source' | 'destination'): RawEndpoint {
  const out: RawEndpoint = {};
  for (const [k, v] of Object.entries({ ...defaults, ...row })) if (v !== '') out[k] = v;
  if (side === 'destination' && out.provider === 'microsoft' && out.auth === undefined) out.auth = 'oauth2-app';
  if (side === 'source' && out.serviceAccount !== undefined && out.auth === undefined) out.auth = 'service-account';
  return out;
}

/** "host:port" or "[v6]:port" of imapsync's host columns; a bare IPv6 address stays whole. */
export function splitHostPort(value: string): { host: string; port?: number } {
  const v = value.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(v);
  if (bracketed) return bracketed[2] ? { host: bracketed[1]!, port: Number(bracketed[2]) } : { host: bracketed[1]! };
  const named = /^([^:]+):(\d+)$/.exec(v);
  return named ? { host: named[1]!, port: Number(named[2]) } : { host: v };
}

/** The instant `days` days before `now` (imapsync counts --maxage/--minage from the moment it starts). */
export function daysAgo(days: number, now: Date): string {
  return new Date(now.getTime() - days * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
}
