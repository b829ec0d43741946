/**
 * What the front counts and remembers across sessions: statistics, every command per account with its time,
 * and Exchange's throttling. Throttling is per account, as Exchange's: the answer
 * `BAD Request is throttled. Suggested Backoff Time: <ms> milliseconds` closes the connection, and until the
 * backoff has passed every command and sign-in for that account, on any connection, meets the same answer.
 * Tests assert on the log ("nothing reached that mailbox before its backoff passed") and on `stats`, so the
 * faults provably happened.
 */

export interface ThrottlePlan {
  /** Throttle the n-th, 2n-th... counted command of an account (all its sessions together). */
  everyNthCommand: number;
  /** The suggested backoff (Exchange's example: 178755). */
  backoffMs: number;
  /** At most this many throttle events in all (repeats during a backoff not counted). Default: no cap. */
  max?: number;
  /** Only these commands count and get throttled ('APPEND', 'UID FETCH'...). Default: every signed-in command. */
  commands?: readonly string[];
}

export interface CommandRecord {
  /** Date.now() when the front read the command. */
  at: number;
  session: number;
  /** The signed-in (or signing-in) account, lower case; undefined before sign-in. */
  account?: string;
  tag: string;
  command: string;
  /** Answered throttled, with this suggested backoff. */
  throttledMs?: number;
}

export interface Backoff {
  account: string;
  session: number;
  at: number;
  until: number;
}

export interface ExchangeFrontStats {
  connections: number;
  /** Commands by name as sent ('UID FETCH', 'APPEND', 'AUTHENTICATE'...), every session, before and after sign-in. */
  commands: Record<string, number>;
  /** Sign-ins by mechanism ('XOAUTH2', 'PLAIN', 'LOGIN'): accepted (incl. "not connected" ones) or refused. */
  logins: Record<string, { accepted: number; refused: number }>;
  appends: {
    /** Dovecot stored it (tagged OK). */
    accepted: number;
    /** Every refused APPEND: the front's own refusals below, and Dovecot's NO/BAD. */
    refused: number;
    keyword: number;
    tooBig: number;
  };
  /** STOREs refused for a keyword. */
  keywordStores: number;
  /** `BAD Request is throttled...` answers (first ones and repeats during a backoff). */
  throttled: number;
  byes: { tokenExpired: number; tooManyErrors: number; logout: number };
  /** `BAD User is authenticated but not connected.` answers. */
  notConnected: number;
  reservedName: number;
  /** CREATE/RENAME refused with `NO Mailbox already exists.` (the name exists in some case). */
  alreadyExists: number;
  /** Lines over the limit and argument literals too big: `BAD Command Argument Error. 11`. */
  oversized: number;
  /** FETCH responses whose message or header came back with Exchange's header block on top. */
  rebuilt: number;
  /** Every tagged NO/BAD the client received. */
  errors: number;
}

function emptyStats(): ExchangeFrontStats {
  return {
    connections: 0, commands: {}, logins: {}, appends: { accepted: 0, refused: 0, keyword: 0, tooBig: 0 }, keywordStores: 0,
    throttled: 0, byes: { tokenExpired: 0, tooManyErrors: 0, logout: 0 }, notConnected: 0, reservedName: 0, alreadyExists: 0,
    oversized: 0, rebuilt: 0, errors: 0,
  };
}

export class FrontLedger {
  readonly stats = emptyStats();
  readonly log: CommandRecord[] = [];
  readonly backoffs: Backoff[] = [];
  /** The last 500 notable events, for failure messages: "session 4 alice@example.com: throttled 1500 ms". */
  readonly events: string[] = [];
  #counted = new Map<string, number>();
  #until = new Map<string, number>();

  constructor(readonly throttle: ThrottlePlan | undefined) {}

  note(session: number, what: string): void {
    if (this.events.push(`session ${session}: ${what}`) > 500) this.events.shift();
  }

  login(mechanism: string, accepted: boolean): void {
    const m = (this.stats.logins[mechanism] ??= { accepted: 0, refused: 0 });
    if (accepted) m.accepted++;
    else m.refused++;
  }

  /**
   * Records a command (`account` once known; `signedIn`: it may count towards throttling). Returns the
   * backoff to answer with when the account is, or now becomes, throttled.
   */
  command(session: number, tag: string, name: string, account?: string, signedIn = false): number | undefined {
    this.stats.commands[name] = (this.stats.commands[name] ?? 0) + 1;
    const record: CommandRecord = { at: Date.now(), session, tag, command: name };
    this.log.push(record);
    if (account === undefined) return undefined;
    const who = (record.account = account.toLowerCase());
    const left = (this.#until.get(who) ?? 0) - record.at;
    if (left > 0) record.throttledMs = left;
    else if (signedIn && this.#due(who, name)) {
      record.throttledMs = this.throttle!.backoffMs;
      this.#until.set(who, record.at + record.throttledMs);
      this.backoffs.push({ account: who, session, at: record.at, until: record.at + record.throttledMs });
    }
    if (record.throttledMs === undefined) return undefined;
    this.stats.throttled++;
    this.note(session, `${who}: ${tag} ${name} throttled ${record.throttledMs} ms`);
    return record.throttledMs;
  }

  #due(account: string, name: string): boolean {
    const plan = this.throttle;
    if (!plan || (plan.commands && !plan.commands.includes(name))) return false;
    const n = (this.#counted.get(account) ?? 0) + 1;
    this.#counted.set(account, n);
    return n % plan.everyNthCommand === 0 && this.backoffs.length < (plan.max ?? Infinity);
  }

  /** Commands (sign-ins included) that reached the front for an account while it was in a backoff. */
  commandsDuringBackoff(account?: string): CommandRecord[] {
    const who = account?.toLowerCase();
    return this.log.filter(
      (r) => r.account !== undefined && (who === undefined || r.account === who) &&
        this.backoffs.some((b) => b.account === r.account && r.at > b.at && r.at < b.until),
    );
  }
}
