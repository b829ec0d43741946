/**
 * An IMAP-aware fault injector on top of tcp-proxy.ts: it reads both directions as IMAP (lines and the
 * literals between them) so it can hit precise protocol moments the way Gmail and real networks do:
 * answer LOGIN itself with a Gmail ALERT line, append " [THROTTLED]" to tagged OKs, send
 * `* BYE Session expired...` after the k-th FETCH response or in the middle of an APPEND literal, send
 * `* BYE [OVERQUOTA]...` right after a successful login, cut sockets after N bytes or T ms, and silence
 * connections (fault-silence.ts: the path dies, nothing is closed).
 *
 * Parsing is streaming: only the text part of a line is held until its LF (servers and clients always
 * finish a line before waiting), literal bytes pass straight through, so a 25 MB message is never
 * buffered. Literals must be skipped by their announced size ({n}, {n+}, ~{n}): a message body may hold a
 * line that looks like "A7 OK ...". After STARTTLS or COMPRESS the stream is opaque and passed untouched.
 *
 * Every random decision comes from a seeded Prng, so a failing soak run can be replayed; every fault is
 * counted in `faults` (the tests assert the faults really happened, not only that the run survived).
 */
import { Prng } from './corpus.js';
import { Silencer, type Range, type SilencePlan, type SilenceState } from './fault-silence.js';
import { startTcpProxy, type Direction, type ProxyConnection, type ProxyStats } from './tcp-proxy.js';

// ---------- streaming IMAP framing (pure, unit-tested) ----------

export type ImapEvent =
  /** A line (up to and including its LF). `start`: first line of a command/response (not after a literal). */
  | { type: 'line'; data: Buffer; start: boolean; literal?: { size: number; sync: boolean } }
  /** Literal bytes announced by the previous line; `remaining` after this piece. */
  | { type: 'literal'; data: Buffer; remaining: number };

/** `{12}`, `{12+}` (LITERAL+/LITERAL-) or `~{12}` (BINARY) at the very end of a line. */
export function literalAtEnd(line: Buffer): { size: number; sync: boolean } | undefined {
  const tail = line.subarray(Math.max(0, line.length - 32)).toString('latin1');
  const m = /\{(\d+)(\+)?\}\r?\n$/.exec(tail);
  return m ? { size: Number(m[1]), sync: !m[2] } : undefined;
}

export class ImapStreamParser {
  #pending: Buffer[] = [];
  #literalLeft = 0;
  #start = true;

  /** True between complete commands/responses: a good moment to insert a line of our own. */
  get atBoundary(): boolean {
    return this.#start && this.#literalLeft === 0 && this.#pending.length === 0;
  }

  /** The held part of an unfinished line (forwarded as is when a cut ends the stream mid-line). */
  takePending(): Buffer {
    const b = Buffer.concat(this.#pending);
    this.#pending = [];
    return b;
  }

  push(chunk: Buffer): ImapEvent[] {
    const out: ImapEvent[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.#literalLeft > 0) {
        const n = Math.min(this.#literalLeft, chunk.length - pos);
        this.#literalLeft -= n;
        out.push({ type: 'literal', data: chunk.subarray(pos, pos + n), remaining: this.#literalLeft });
        pos += n;
        continue;
      }
      const lf = chunk.indexOf(0x0a, pos);
      if (lf < 0) {
        this.#pending.push(chunk.subarray(pos));
        break;
      }
      const data = Buffer.concat([...this.#pending, chunk.subarray(pos, lf + 1)]);
      this.#pending = [];
      pos = lf + 1;
      const literal = literalAtEnd(data);
      out.push(literal ? { type: 'line', data, start: this.#start, literal } : { type: 'line', data, start: this.#start });
      this.#start = !literal;
      this.#literalLeft = literal?.size ?? 0;
    }
    return out;
  }
}

/** Tag and command of a client line: `A5 UID FETCH 1:* (...)` -> { tag: 'A5', command: 'FETCH', uid: true }. */
export function parseCommand(line: Buffer | string): { tag: string; command: string; uid: boolean } | undefined {
  const m = /^(\S+) (UID )?([A-Za-z]+)/i.exec(typeof line === 'string' ? line : line.toString('latin1'));
  return m ? { tag: m[1]!, command: m[3]!.toUpperCase(), uid: !!m[2] } : undefined;
}

/** Tag and status of a server line: `* 3 FETCH ...` -> { tag: '*', fetch: true }; `A5 OK ...` -> status 'OK'. */
export function parseResponse(line: Buffer | string): { tag: string; status?: string; fetch: boolean } {
  const s = typeof line === 'string' ? line : line.toString('latin1');
  const m = /^(\S+) (?:(OK|NO|BAD|BYE|PREAUTH)\b|\d+ (FETCH)\b)?/i.exec(s);
  if (!m) return { tag: s.trim(), fetch: false };
  const r: { tag: string; status?: string; fetch: boolean } = { tag: m[1]!, fetch: !!m[3] };
  if (m[2]) r.status = m[2].toUpperCase();
  return r;
}

/** `A5 OK Success\r\n` -> `A5 OK Success [THROTTLED]\r\n` (Gmail's form). */
export function throttledLine(line: Buffer): Buffer {
  return Buffer.from(line.toString('latin1').replace(/\r?\n$/, ' [THROTTLED]\r\n'), 'latin1');
}

// ---------- faults ----------

export const GMAIL = {
  sessionExpired: '* BYE Session expired, please login again.',
  overQuotaBye: '* BYE [OVERQUOTA] Account exceeded command or bandwidth limits.',
} as const;

export type { Range, SilencePlan };

/** Each fault: which connections (everyNthConnection, by proxy connection number) and a cap on how many times. */
interface Targeting {
  everyNthConnection?: number;
  max?: number;
}

export interface FaultPlan {
  /** Hard close once this many bytes went one way on a connection (default direction: toClient). */
  cutAfterBytes?: Targeting & { bytes: Range; direction?: Direction };
  /** Hard close this long after the connection opened. */
  cutAfterMs?: Targeting & { ms: Range };
  /** `* BYE Session expired, please login again.`, then close. */
  sessionExpiry?: Targeting & {
    afterFetchResponses?: number;
    /** Counts only FETCH responses carrying a whole message (BODY[]), not the planner's header fetches. */
    afterMessageBodies?: number;
    midAppend?: boolean;
  };
  /** Append " [THROTTLED]" to tagged OK replies, with a probability or on every n-th one. */
  throttle?: { probability?: number; everyNth?: number; max?: number };
  /** Answer LOGIN/AUTHENTICATE without forwarding it: `<tag> <text>`, for the first `count` logins (default all). */
  loginReply?: { text: string; count?: number };
  /** `* BYE [OVERQUOTA] ...` right after the server accepted the login, on the first `connections` sessions. */
  overQuota?: { connections: number };
  /** Stop forwarding both ways at a moment, closing nothing (fault-silence.ts). */
  silence?: SilencePlan;
}

export type FaultCounts = Record<'cutBytes' | 'cutTime' | 'sessionExpired' | 'throttled' | 'loginReplies' | 'overQuota' | 'silenced', number>;

export interface FaultProxy {
  port: number;
  stats: ProxyStats;
  faults: FaultCounts;
  /** Live: replace or edit it between runs (e.g. `proxy.plan = {}` to stop faults). */
  plan: FaultPlan;
  /** The last 500 fault events, for failure messages: "conn 4: BYE session expired after 3 FETCH". */
  events: string[];
  close(): Promise<void>;
}

export type FaultProxyOptions = {
  targetPort: number;
  targetHost?: string;
  delayMs?: number;
  /** A slow link per direction (tcp-proxy.ts). */
  bytesPerSecond?: Partial<Record<Direction, number>>;
  seed?: string | number;
  plan?: FaultPlan;
};

interface ConnState {
  parser: Record<Direction, ImapStreamParser>;
  dead: boolean;
  /** Tag of STARTTLS/COMPRESS; once the server accepts it the bytes are no longer IMAP text to us. */
  upgradeTag?: string;
  /** TLS (implicit, or after STARTTLS) or COMPRESS: passed untouched. */
  opaque?: boolean;
  /** The server has sent something (a client that speaks first speaks TLS). */
  serverSpoke: boolean;
  silence: SilenceState;
  /** Tags of LOGIN/AUTHENTICATE commands forwarded to the server. */
  loginTags: Set<string>;
  /** A LOGIN/AUTHENTICATE we answer ourselves: swallowed up to its last line, then answered. */
  swallowing?: { tag: string; text: string };
  /** Inside an APPEND command (until its last line). */
  inAppend: boolean;
  /** The server response being relayed (its first line decides what it is). */
  response?: ReturnType<typeof parseResponse>;
  /** The response being relayed carries a whole message (a BODY[] literal). */
  responseBody?: boolean;
  fetches: number;
  bodies: number;
  bytes: number;
  byteLimit?: number;
}

export async function startFaultProxy(opts: FaultProxyOptions): Promise<FaultProxy> {
  const rng = new Prng(opts.seed ?? 'fault-proxy');
  const faults: FaultCounts = { cutBytes: 0, cutTime: 0, sessionExpired: 0, throttled: 0, loginReplies: 0, overQuota: 0, silenced: 0 };
  const events: string[] = [];
  const states = new WeakMap<ProxyConnection, ConnState>();
  const timers = new Set<NodeJS.Timeout>();
  let logins = 0;
  let sessions = 0;
  let taggedOks = 0;
  const delay = opts.delayMs ?? 0;
  const draw = (r: Range) => (typeof r === 'number' ? r : rng.int(r[0], r[1]));
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => (timers.delete(t), fn()), ms);
    timers.add(t);
  };
  const targets = (t: Targeting | undefined, conn: ProxyConnection, count: number) =>
    !!t && (t.everyNthConnection === undefined || conn.id % t.everyNthConnection === 0) && count < (t.max ?? Infinity);
  const note = (conn: ProxyConnection, what: string) => events.push(`conn ${conn.id}: ${what}`) > 500 && events.shift();
  /** Stop relaying both ways at once (what the peer sees next is the close) and close shortly after. */
  const kill = (conn: ProxyConnection, st: ConnState, graceMs: number) => {
    st.dead = true;
    later(delay + graceMs, () => conn.cut());
  };

  const silencer = new Silencer({
    plan: () => proxy.plan.silence, rng, later, alive: (conn) => tcp.connections.has(conn),
    silenced: (conn, why) => {
      faults.silenced++;
      note(conn, `silenced ${why}`);
    },
  });

  const init = (conn: ProxyConnection): ConnState => {
    const st: ConnState = {
      parser: { toServer: new ImapStreamParser(), toClient: new ImapStreamParser() }, dead: false, loginTags: new Set(), inAppend: false, fetches: 0,
      bodies: 0, bytes: 0, serverSpoke: false, silence: { armed: false, bytes: 0 },
    };
    st.silence = silencer.init(conn);
    const p = proxy.plan;
    if (targets(p.cutAfterBytes, conn, faults.cutBytes)) st.byteLimit = draw(p.cutAfterBytes!.bytes);
    if (targets(p.cutAfterMs, conn, faults.cutTime)) {
      later(draw(p.cutAfterMs!.ms), () => {
        if (st.dead || !tcp.connections.has(conn)) return;
        faults.cutTime++;
        note(conn, 'cut after time');
        kill(conn, st, 0);
      });
    }
    states.set(conn, st);
    return st;
  };

  const toServer = (conn: ProxyConnection, st: ConnState, chunk: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    const plan = proxy.plan;
    for (const ev of st.parser.toServer.push(chunk)) {
      if (st.dead) break;
      if (ev.type === 'line' && ev.start) {
        const cmd = parseCommand(ev.data);
        st.inAppend = cmd?.command === 'APPEND';
        if (cmd?.command === 'STARTTLS' || cmd?.command === 'COMPRESS') st.upgradeTag = cmd.tag;
        if (cmd && (cmd.command === 'LOGIN' || cmd.command === 'AUTHENTICATE')) {
          if (!plan.loginReply && silencer.loginSent(conn, st.silence)) {
            out.push(ev.data);
            break;
          }
          if (plan.loginReply && logins++ < (plan.loginReply.count ?? Infinity)) {
            faults.loginReplies++;
            note(conn, `answered ${cmd.command} with ${plan.loginReply.text}`);
            st.swallowing = { tag: cmd.tag, text: plan.loginReply.text };
          } else st.loginTags.add(cmd.tag);
        }
      }
      if (st.swallowing !== undefined) {
        // Never forwarded. A synchronising literal waits for "+" from the server, so we give it ourselves.
        if (ev.type === 'line' && ev.literal?.sync) conn.inject('toClient', '+ go ahead\r\n');
        if (ev.type === 'line' && !ev.literal) {
          conn.inject('toClient', `${st.swallowing.tag} ${st.swallowing.text}\r\n`);
          st.swallowing = undefined;
        }
        continue;
      }
      out.push(ev.data);
      if (ev.type === 'line' && !ev.literal) st.inAppend = false;
      const expiry = plan.sessionExpiry;
      if (ev.type === 'literal' && st.inAppend && expiry?.midAppend && targets(expiry, conn, faults.sessionExpired) && st.parser.toClient.atBoundary) {
        // Part of the message reached the server: the BYE lands while the client is still sending.
        faults.sessionExpired++;
        note(conn, 'BYE session expired mid-APPEND');
        conn.inject('toClient', `${GMAIL.sessionExpired}\r\n`);
        kill(conn, st, 50);
      }
    }
    return out;
  };

  const toClient = (conn: ProxyConnection, st: ConnState, chunk: Buffer): Buffer[] => {
    const out: Buffer[] = [];
    const plan = proxy.plan;
    for (const ev of st.parser.toClient.push(chunk)) {
      if (st.dead) break;
      if (ev.type === 'line' && ev.start) [st.response, st.responseBody] = [parseResponse(ev.data), false];
      if (ev.type === 'line' && ev.literal && /(BODY|BINARY)\[\](<\d+>)? ~?\{\d+\}\r?\n$/i.test(ev.data.toString('latin1'))) st.responseBody = true;
      const r = st.response;
      const tagged = !!r && r.tag !== '*' && r.tag !== '+';
      if (ev.type === 'line' && ev.start && !ev.literal && tagged && r!.status === 'OK' && plan.throttle && throttleHit(plan.throttle)) {
        faults.throttled++;
        out.push(throttledLine(ev.data));
      } else out.push(ev.data);
      if (ev.type !== 'line' || ev.literal || !r) continue; // the response is not complete yet
      if (r.tag === st.upgradeTag && r.status === 'OK') st.opaque = true;
      if (r.status === 'OK' && st.loginTags.has(r.tag) && plan.overQuota && sessions++ < plan.overQuota.connections) {
        faults.overQuota++;
        note(conn, 'BYE OVERQUOTA after login');
        out.push(Buffer.from(`${GMAIL.overQuotaBye}\r\n`));
        kill(conn, st, 50);
      } else if (r.fetch) {
        st.fetches++;
        if (silencer.fetchDone(conn, st.silence, st.fetches)) break;
        if (st.responseBody) st.bodies++;
        const expiry = plan.sessionExpiry;
        const due = st.fetches === expiry?.afterFetchResponses || (st.responseBody && st.bodies === expiry?.afterMessageBodies);
        if (due && targets(expiry, conn, faults.sessionExpired)) {
          // In-band, after the whole FETCH response: what the client reads next is the BYE, then the close.
          faults.sessionExpired++;
          note(conn, `BYE session expired after ${st.fetches} FETCH (${st.bodies} with a body)`);
          out.push(Buffer.from(`${GMAIL.sessionExpired}\r\n`));
          kill(conn, st, 50);
        }
      }
    }
    return out;
  };
  const throttleHit = (t: NonNullable<FaultPlan['throttle']>): boolean => {
    taggedOks++;
    if (faults.throttled >= (t.max ?? Infinity)) return false;
    return t.everyNth ? taggedOks % t.everyNth === 0 : rng.chance(t.probability ?? 0);
  };

  const tcp = await startTcpProxy({
    targetPort: opts.targetPort,
    targetHost: opts.targetHost,
    delayMs: delay,
    bytesPerSecond: opts.bytesPerSecond,
    transform: (direction, chunk, conn) => {
      const st = states.get(conn) ?? init(conn);
      if (st.dead || conn.silenced) return Buffer.alloc(0); // silenced at accept, before its first chunk
      if (direction === 'toServer' && !st.serverSpoke && chunk[0] === 0x16) st.opaque = true; // a TLS ClientHello
      if (direction === 'toClient') {
        st.serverSpoke = true;
        chunk = silencer.toClient(conn, st.silence, chunk, !!st.opaque);
      }
      if (st.opaque) return chunk;
      // Byte cuts are armed per connection (byteLimit) and still capped by `max` when they fire.
      const cut = proxy.plan.cutAfterBytes;
      let cutting = false;
      if (st.byteLimit !== undefined && direction === (cut?.direction ?? 'toClient')) {
        if (st.bytes + chunk.length >= st.byteLimit && faults.cutBytes < (cut?.max ?? Infinity)) {
          chunk = chunk.subarray(0, st.byteLimit - st.bytes);
          cutting = true;
        }
        st.bytes += chunk.length;
      }
      const parts = direction === 'toServer' ? toServer(conn, st, chunk) : toClient(conn, st, chunk);
      if (cutting && !st.dead) parts.push(st.parser[direction].takePending());
      const out = Buffer.concat(parts);
      if (cutting && !st.dead) {
        faults.cutBytes++;
        note(conn, `cut after ${st.bytes} bytes ${direction}`);
        kill(conn, st, 5);
      }
      return out;
    },
  });
  const proxy: FaultProxy = {
    port: tcp.port,
    stats: tcp.stats,
    faults,
    plan: opts.plan ?? {},
    events,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      await tcp.close();
    },
  };
  return proxy;
}

/** One line for logs: "cutBytes=3 cutTime=0 sessionExpired=2 ...". */
export function describeFaults(f: FaultCounts): string {
  return Object.entries(f).map(([k, v]) => `${k}=${v}`).join(' ');
}
