/**
 * LOGIN and AUTHENTICATE (PLAIN, XOAUTH2, OAUTHBEARER; SASL-IR or a `+` continuation) the way Gmail
 * answers them: the success line, `NO [AUTHENTICATIONFAILED] Invalid credentials (Failure)`, the JSON
 * challenge before a failed OAuth login, the too-many-connections ALERT, and any scripted reply.
 */
import {
  DEFAULT_ACCOUNTS, DEFAULT_AUTH_MECHANISMS, GMAIL_LINES, OAUTH_ERROR_JSON, postAuthCapabilities,
  type AuthMechanism, type FakeGmailAccount, type LoginReply,
} from './options.js';
import { argText, type Command } from './parser.js';
import type { Session } from './session.js';

interface Credentials {
  user: string;
  secret: string;
}

function accounts(s: Session): readonly FakeGmailAccount[] {
  return s.ctx.opts.accounts ?? DEFAULT_ACCOUNTS;
}

async function checkCredentials(s: Session, mechanism: AuthMechanism, c: Credentials): Promise<boolean> {
  const account = accounts(s).find((a) => a.user.toLowerCase() === c.user.toLowerCase());
  if (mechanism === 'LOGIN' || mechanism === 'PLAIN') return !!account && account.password !== undefined && account.password === c.secret;
  if (s.ctx.opts.checkToken) return !!(await s.ctx.opts.checkToken(c.user, c.secret));
  return !!account && (account.tokens ?? []).includes(c.secret);
}

function scriptedReply(s: Session, mechanism: AuthMechanism, c: Credentials): LoginReply | undefined {
  const attempt = ++s.ctx.counters.loginAttempts;
  const r = s.ctx.opts.loginReply;
  if (typeof r === 'function') return r({ user: c.user, mechanism, secret: c.secret, connection: s.id, attempt });
  return r;
}

/** After the credentials are known: scripted reply, credential check, connection limit, success. */
async function finishLogin(s: Session, tag: string, mechanism: AuthMechanism, c: Credentials): Promise<void> {
  const scripted = scriptedReply(s, mechanism, c);
  if (scripted !== undefined) {
    const reply = typeof scripted === 'string' ? { tagged: scripted } : scripted;
    for (const line of reply.untagged ?? []) await s.write([Buffer.from(`${line}\r\n`, 'latin1')]);
    if (/^OK\b/i.test(reply.tagged)) return succeed(s, tag, c.user, reply.tagged);
    s.ctx.stats.failedLogins++;
    return s.tagged(tag, reply.tagged);
  }
  if (!(await checkCredentials(s, mechanism, c))) {
    s.ctx.stats.failedLogins++;
    if (mechanism === 'XOAUTH2' || mechanism === 'OAUTHBEARER') {
      // Gmail's error challenge; the client answers with an empty line (XOAUTH2) or AQ== (OAUTHBEARER).
      await s.continuation(Buffer.from(OAUTH_ERROR_JSON).toString('base64'));
      if ((await s.readLine()) === undefined) return;
    }
    return s.tagged(tag, GMAIL_LINES.invalidCredentials);
  }
  const max = s.ctx.opts.maxConnections ?? 15;
  const open = [...s.ctx.sessions].filter((o) => o !== s && o.user?.toLowerCase() === c.user.toLowerCase() && !o.closed).length;
  if (open >= max) {
    s.ctx.stats.failedLogins++;
    return s.tagged(tag, GMAIL_LINES.tooManyConnections);
  }
  const account = accounts(s).find((a) => a.user.toLowerCase() === c.user.toLowerCase());
  return succeed(s, tag, account?.user ?? c.user);
}

async function succeed(s: Session, tag: string, user: string, reply?: string): Promise<void> {
  s.loggedIn(user);
  await s.untagged(`CAPABILITY ${postAuthCapabilities(s.ctx.opts).join(' ')}`);
  await s.tagged(tag, reply ?? `OK ${user} authenticated (Success)`);
}

export async function handleLogin(s: Session, cmd: Command): Promise<void> {
  const user = argText(cmd, 0);
  const pass = argText(cmd, 1);
  if (user === undefined || pass === undefined || cmd.args.length !== 2) return s.tagged(cmd.tag, 'BAD Could not parse command');
  const utf8 = (t: string): string => Buffer.from(t, 'latin1').toString('utf8');
  return finishLogin(s, cmd.tag, 'LOGIN', { user: utf8(user), secret: utf8(pass) });
}

/** The SASL payload of a mechanism -> credentials, or undefined when malformed. */
function decodePayload(mechanism: AuthMechanism, payload: Buffer): Credentials | undefined {
  const text = payload.toString('utf8');
  if (mechanism === 'PLAIN') {
    const parts = text.split('\x00');
    return parts.length === 3 ? { user: parts[1]!, secret: parts[2]! } : undefined;
  }
  const fields = text.split('\x01');
  const auth = fields.find((f) => f.startsWith('auth='));
  const token = auth && /^auth=Bearer (.+)$/i.exec(auth)?.[1];
  if (!token) return undefined;
  if (mechanism === 'XOAUTH2') {
    const user = fields.find((f) => f.startsWith('user='))?.slice(5);
    return user ? { user, secret: token } : undefined;
  }
  // OAUTHBEARER: GS2 header "n,a=<authzid>," with "=2C" and "=3D" escapes.
  const gs2 = /^[ny],a=([^,]*),/.exec(fields[0] ?? '');
  if (!gs2) return undefined;
  return { user: gs2[1]!.replace(/=2C/g, ',').replace(/=3D/g, '='), secret: token };
}

export async function handleAuthenticate(s: Session, cmd: Command): Promise<void> {
  const mech = argText(cmd, 0)?.toUpperCase();
  const offered = s.ctx.opts.authMechanisms ?? DEFAULT_AUTH_MECHANISMS;
  const mechanism = mech === 'XOAUTH' ? 'XOAUTH2' : mech;
  if (!mech || !offered.includes(mech) || !['PLAIN', 'XOAUTH2', 'OAUTHBEARER'].includes(mechanism!)) {
    return s.tagged(cmd.tag, 'NO Unsupported authentication mechanism. (Failure)');
  }
  let response: string | undefined;
  if (cmd.args.length > 1) {
    if (s.ctx.opts.saslIr === false) return s.tagged(cmd.tag, 'BAD Could not parse command');
    response = argText(cmd, 1);
  } else {
    await s.continuation('');
    response = await s.readLine();
    if (response === undefined) return;
  }
  if (response === '*') return s.tagged(cmd.tag, 'BAD Authentication cancelled. (Failure)');
  const payload = response === '=' ? Buffer.alloc(0) : Buffer.from(response ?? '', 'base64');
  const creds = decodePayload(mechanism as AuthMechanism, payload);
  if (!creds) return s.tagged(cmd.tag, 'BAD Invalid SASL argument. (Failure)');
  return finishLogin(s, cmd.tag, mechanism as AuthMechanism, creds);
}
