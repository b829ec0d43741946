/**
 * One client connection to the Exchange front. Before sign-in the front answers everything itself (Exchange's
 * greeting, capabilities, XOAUTH2 only); after it, commands go to Dovecot signed in as the same account,
 * except what Exchange judges differently: its own CAPABILITY/NAMESPACE/ID/LOGOUT, keywords, the size limit,
 * reserved and case-insensitive folder names, throttling, token expiry and the error limit.
 */
import type { Duplex } from 'node:stream';
import { tokenize, type Command } from './args.js';
import { decodeXoauth2, sessionDeadline, type TokenCheck } from './auth.js';
import { ClientOutput } from './client-output.js';
import { CommandReader, type MessageHead } from './command-reader.js';
import type { FrontLedger } from './faults.js';
import { judge } from './judgments.js';
import { EXCHANGE, EXCHANGE_GUESSED, GREETING_BANNER } from './strings.js';
import { signInUpstream, UpstreamRelay } from './upstream.js';

export interface SessionConfig {
  ledger: FrontLedger;
  checkToken: TokenCheck;
  /** Dovecot's own spelling and password of an account named in any case, if it has one. */
  account(user: string): { user: string; password: string } | undefined;
  mailDir(user: string): string;
  upstreamPort: number;
  maxMessageBytes: number;
  maxLineLength: number;
  maxErrors: number;
  sessionLifetimeMs?: number;
  addedHeaders: Buffer;
  specialUse: ReadonlyMap<string, string>;
}

/** Commands Dovecot answers (after judgments.ts); any other name gets Exchange's "Command Error". */
const RELAYED = new Set([
  'NOOP', 'SELECT', 'EXAMINE', 'CREATE', 'DELETE', 'RENAME', 'SUBSCRIBE', 'UNSUBSCRIBE', 'LIST', 'LSUB', 'STATUS', 'APPEND',
  'CHECK', 'CLOSE', 'EXPUNGE', 'SEARCH', 'FETCH', 'STORE', 'COPY', 'MOVE', 'UNSELECT', 'IDLE',
  'UID FETCH', 'UID STORE', 'UID COPY', 'UID MOVE', 'UID SEARCH', 'UID EXPUNGE',
]);
const ok = (command: string) => `OK ${EXCHANGE_GUESSED.completed(command)}`;

export class ExchangeSession {
  #state: 'new' | 'signed-in' | 'not-connected' = 'new';
  /** Dovecot's spelling of the signed-in account (the presented one when "not connected"). */
  #account: string | undefined;
  #mailDir = '';
  #upstream: UpstreamRelay | undefined;
  #out: ClientOutput;
  #reader: CommandReader;
  #errors = 0;
  #sasl: { tag: string; mechanism: string } | undefined;
  #idling = false;
  #deadline: NodeJS.Timeout | undefined;
  #expired = false;
  /** A last answer is queued (throttled, LOGOUT): commands the client pipelined after it are not run. */
  #closing = false;
  #waitingDrain = false;

  constructor(
    readonly client: Duplex,
    readonly id: number,
    readonly cfg: SessionConfig,
  ) {
    this.#out = new ClientOutput(client, { tagged: (status) => this.#status(status), end: () => this.#close([]) });
    this.#reader = new CommandReader({
      command: (cmd, message) => this.#command(cmd, message),
      passThrough: (data) => this.#toUpstream(data),
      rawLine: (line) => this.#rawLine(line),
      continuation: () => this.#out.soon(EXCHANGE_GUESSED.continuation),
      oversized: (tag) => {
        cfg.ledger.stats.oversized++;
        this.#out.reply(tag, [], EXCHANGE.argumentError);
      },
    }, cfg.maxLineLength);
    client.on('data', (chunk: Buffer) => this.#reader.push(chunk));
    client.on('error', () => {}); // a close follows
    client.on('close', () => this.#close([]));
    client.write(`${EXCHANGE.greeting(GREETING_BANNER)}\r\n`);
  }

  /** Ends the session now (the front is closing). */
  destroy(): void {
    this.#close([]);
    this.client.destroy();
  }

  #command(cmd: Command, message?: MessageHead): boolean {
    if (this.#out.ended || this.#closing) return false;
    if (this.#expired) return this.#expireAtBoundary(), false;
    if (this.#state === 'new') return this.#beforeSignIn(cmd), false;
    const backoff = this.cfg.ledger.command(this.id, cmd.tag, cmd.name, this.#account, true);
    if (backoff !== undefined) return this.#lastReply(cmd.tag, [], EXCHANGE.throttled(backoff)), false;
    if (this.#state === 'signed-in') return this.#signedIn(cmd, message);
    if (cmd.name === 'LOGOUT') return this.#logout(cmd.tag), false;
    this.cfg.ledger.stats.notConnected++;
    this.#out.reply(cmd.tag, [], EXCHANGE.notConnected);
    return false;
  }

  #beforeSignIn(cmd: Command): void {
    const { tag, name } = cmd;
    if (name === 'AUTHENTICATE') return this.#authenticate(cmd); // recorded once the account is known
    this.cfg.ledger.command(this.id, tag, name);
    if (name === 'CAPABILITY') this.#out.reply(tag, [`* CAPABILITY ${EXCHANGE.capabilityBeforeSignIn}`], ok(name));
    else if (name === 'NOOP') this.#out.reply(tag, [], ok(name));
    else if (name === 'ID') this.#out.reply(tag, [EXCHANGE_GUESSED.id], ok(name));
    else if (name === 'LOGOUT') this.#logout(tag);
    else if (name === 'LOGIN') {
      this.cfg.ledger.login('LOGIN', false);
      this.#out.reply(tag, [], EXCHANGE.loginFailed);
    } else this.#out.reply(tag, [], RELAYED.has(name) ? EXCHANGE_GUESSED.invalidState : EXCHANGE_GUESSED.unknownCommand);
  }

  /** AUTHENTICATE XOAUTH2/PLAIN, with the response on the line (SASL-IR) or after our "+". */
  #authenticate(cmd: Command): void {
    const args = tokenize(cmd.parts)?.slice(2) ?? [];
    const mechanism = args[0]?.value.toUpperCase() ?? '';
    if (args[1]) return this.#saslResponse(cmd.tag, mechanism, args[1].value);
    if (mechanism !== 'XOAUTH2' && mechanism !== 'PLAIN') return this.#saslResponse(cmd.tag, mechanism, '');
    this.#sasl = { tag: cmd.tag, mechanism };
    this.#reader.rawLines = true;
    this.#out.soon('+ ');
  }

  #rawLine(line: string): void {
    this.#reader.rawLines = false;
    if (this.#sasl) {
      const { tag, mechanism } = this.#sasl;
      this.#sasl = undefined;
      this.#saslResponse(tag, mechanism, line);
    } else if (this.#idling) {
      this.#idling = false;
      this.#toUpstream(Buffer.from(`${line}\r\n`, 'latin1')); // DONE
    }
  }

  #saslResponse(tag: string, mechanism: string, payload: string): void {
    const { ledger } = this.cfg;
    const presented = mechanism === 'XOAUTH2' ? decodeXoauth2(payload) : undefined; // password sign-in is off
    const backoff = ledger.command(this.id, tag, 'AUTHENTICATE', presented?.user);
    if (backoff !== undefined || !presented) {
      ledger.login(mechanism, false);
      if (backoff !== undefined) return this.#lastReply(tag, [], EXCHANGE.throttled(backoff));
      return this.#out.reply(tag, [], EXCHANGE.authenticateFailed);
    }
    this.#reader.pause();
    this.client.pause();
    this.#signIn(presented.user, presented.token)
      .catch((e: Error) => {
        ledger.note(this.id, `checking the token of ${presented.user}: ${e.message}`);
        return EXCHANGE.authenticateFailed;
      })
      .then((answer) => {
        const accepted = answer === EXCHANGE.authenticateCompleted;
        ledger.login(mechanism, accepted);
        if (!accepted) ledger.note(this.id, `${presented.user}: AUTHENTICATE refused`);
        this.#out.reply(tag, [], answer);
      })
      .finally(() => {
        this.#reader.resume();
        this.client.resume();
      });
  }

  /** Checks the token and signs in to Dovecot; resolves to the tagged answer. */
  async #signIn(user: string, token: string): Promise<string> {
    const { cfg } = this;
    const verdict = await cfg.checkToken(user, token);
    const now = Date.now();
    const deadline = sessionDeadline(verdict, cfg.sessionLifetimeMs, now);
    if (verdict === 'bad' || (deadline !== undefined && deadline <= now)) return EXCHANGE.authenticateFailed;
    if (verdict === 'other-user') {
      [this.#state, this.#account] = ['not-connected', user];
      cfg.ledger.note(this.id, `${user}: signed in with another account's token, not connected`);
      return EXCHANGE.authenticateCompleted;
    }
    const account = cfg.account(user);
    if (!account) return EXCHANGE.authenticateFailed;
    let socket;
    try {
      socket = await signInUpstream(cfg.upstreamPort, account.user, account.password);
    } catch (e) {
      cfg.ledger.note(this.id, (e as Error).message);
      return EXCHANGE.authenticateFailed;
    }
    if (this.#out.ended) return socket.destroy(), EXCHANGE.authenticateFailed;
    this.#upstream = new UpstreamRelay(socket, {
      data: (bytes, boundary) => {
        const more = this.#out.relay(bytes, boundary);
        if (boundary && this.#expired) this.#expireAtBoundary();
        return more;
      },
      drained: (resume) => this.client.once('drain', resume),
      answered: (tag, command, status) => this.#answered(tag, command, status),
      rebuilt: () => cfg.ledger.stats.rebuilt++,
      closed: () => this.#close([]),
    }, cfg.addedHeaders, cfg.specialUse);
    [this.#state, this.#account, this.#mailDir] = ['signed-in', account.user, cfg.mailDir(account.user)];
    if (deadline !== undefined) {
      this.#deadline = setTimeout(() => {
        this.#expired = true;
        this.#expireAtBoundary();
      }, deadline - now);
    }
    return EXCHANGE.authenticateCompleted;
  }

  #signedIn(cmd: Command, message?: MessageHead): boolean {
    const { tag, name } = cmd;
    switch (name) {
      case 'CAPABILITY':
        return this.#out.reply(tag, [`* CAPABILITY ${EXCHANGE.capabilityAfterSignIn}`], ok(name)), false;
      case 'NAMESPACE':
        return this.#out.reply(tag, [EXCHANGE.namespace], ok(name)), false;
      case 'ID':
        return this.#out.reply(tag, [EXCHANGE_GUESSED.id], ok(name)), false;
      case 'LOGOUT':
        return this.#logout(tag), false;
      case 'LOGIN':
      case 'AUTHENTICATE':
        return this.#out.reply(tag, [], EXCHANGE_GUESSED.invalidState), false;
    }
    if (!RELAYED.has(name)) return this.#out.reply(tag, [], EXCHANGE_GUESSED.unknownCommand), false;
    const { stats } = this.cfg.ledger;
    const judgment = judge(cmd, { mailDir: this.#mailDir, maxMessageBytes: this.cfg.maxMessageBytes, stats }, message);
    if ('refuse' in judgment) return this.#out.reply(tag, [], judgment.refuse), false;
    if (name === 'IDLE') [this.#idling, this.#reader.rawLines] = [true, true]; // the next line is DONE
    this.#relay(tag, name, judgment.send);
    if (message?.sync) this.#out.soon(EXCHANGE_GUESSED.continuation);
    return message !== undefined;
  }

  #relay(tag: string, name: string, bytes: Buffer): void {
    this.#out.relayed(tag);
    if (!this.#upstream!.send(tag, name, bytes)) this.#backPressure();
  }

  #toUpstream(data: Buffer): void {
    if (this.#upstream && !this.#upstream.write(data)) this.#backPressure();
  }

  /** Dovecot reads slower than the client writes: stop reading the client until it catches up. */
  #backPressure(): void {
    if (this.#waitingDrain) return;
    this.#waitingDrain = true;
    this.client.pause();
    this.#upstream!.socket.once('drain', () => {
      this.#waitingDrain = false;
      this.client.resume();
    });
  }

  #answered(tag: string, command: string, status: string): void {
    const { stats } = this.cfg.ledger;
    if (command === 'APPEND') stats.appends[status === 'OK' ? 'accepted' : 'refused']++;
    if (command === 'IDLE' && this.#idling) [this.#idling, this.#reader.rawLines] = [false, false]; // refused: no DONE comes
    this.#status(status);
    this.#out.answered(tag);
  }

  /** Every tagged answer: about ten errors in one session and Exchange drops the connection. */
  #status(status: string): void {
    if (status !== 'NO' && status !== 'BAD') return;
    this.cfg.ledger.stats.errors++;
    if (++this.#errors < this.cfg.maxErrors || this.#out.ended) return;
    this.cfg.ledger.stats.byes.tooManyErrors++;
    this.cfg.ledger.note(this.id, `${this.#errors} errors: BYE`);
    this.#close([EXCHANGE.tooManyErrors]);
  }

  #logout(tag: string): void {
    this.cfg.ledger.stats.byes.logout++;
    this.#lastReply(tag, [EXCHANGE_GUESSED.logout], ok('LOGOUT'));
  }

  /** An answer after which the connection closes (once every earlier command has its answer). */
  #lastReply(tag: string, untagged: string[], status: string): void {
    this.#closing = true;
    this.#out.reply(tag, untagged, status, true);
  }

  /** The token expired: BYE as soon as no response is half written (at once if the session is idle). */
  #expireAtBoundary(): void {
    if (this.#out.ended || !this.#out.atBoundary) return;
    this.cfg.ledger.stats.byes.tokenExpired++;
    this.cfg.ledger.note(this.id, `${this.#account}: token expired, BYE`);
    this.#close([EXCHANGE.tokenExpired]);
  }

  #close(lines: readonly string[]): void {
    clearTimeout(this.#deadline);
    this.#out.end(lines);
    this.#upstream?.socket.destroy();
  }
}
