import { describe, expect, it } from 'vitest';
import {
  imapflowOAuth,
  oauthBearerInitialResponse,
  oauthBearerPayload,
  xoauth2InitialResponse,
  xoauth2Payload,
} from '../../src/main/engine/oauth/sasl.js';
// imapflow's own SASL code, to prove the strings are byte for byte what it sends.
import authenticate from 'imapflow/lib/commands/authenticate.js';

/** Runs imapflow's AUTHENTICATE against a fake connection and returns the base64 it sent. */
async function imapflowSends(capabilities: string[], user: string, token: string, host = 'imap.gmail.com', port = 993): Promise<{ mech: string; b64: string }> {
  let sent: { mech: string; b64: string } | undefined;
  const connection = {
    state: 1,
    states: { NOT_AUTHENTICATED: 1 },
    capabilities: new Map(capabilities.map((c) => [c, true])),
    authCapabilities: new Map(),
    servername: host,
    host,
    port,
    log: { debug() {}, info() {} },
    write() {},
    async exec(_cmd: string, attrs: Array<{ value: string }>) {
      sent = { mech: attrs[0]!.value, b64: attrs[1]!.value };
      return { next() {} };
    },
  };
  const fn = (authenticate as unknown as { default?: typeof authenticate }).default ?? authenticate;
  await (fn as unknown as (c: unknown, u: string, o: { accessToken: string }) => Promise<unknown>)(connection, user, { accessToken: token });
  return sent!;
}

describe('SASL strings for OAuth', () => {
  it("XOAUTH2 matches Google's documented example", () => {
    // developers.google.com/gmail/imap/xoauth2-protocol
    const user = 'someuser@example.com';
    const token = 'ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg';
    expect(xoauth2Payload(user, token)).toBe(`user=${user}\x01auth=Bearer ${token}\x01\x01`);
    expect(xoauth2InitialResponse(user, token)).toBe(
      'dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==',
    );
  });

  it('OAUTHBEARER matches RFC 7628 section 4.1', () => {
    const p = { user: 'user@example.com', host: 'server.example.com', port: 143, accessToken: 'vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==' };
    expect(oauthBearerPayload(p)).toBe('n,a=user@example.com,\x01host=server.example.com\x01port=143\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==\x01\x01');
    expect(Buffer.from(oauthBearerInitialResponse(p), 'base64').toString()).toBe(oauthBearerPayload(p));
    // "," and "=" in the authzid are escaped (RFC 5801).
    expect(oauthBearerPayload({ ...p, user: 'a,b=c' })).toMatch(/^n,a=a=2Cb=3Dc,\x01/);
  });

  it('is what imapflow sends (OAUTHBEARER when offered, else XOAUTH2)', async () => {
    const token = 'ya29.a0Af-token_value.123';
    const x = await imapflowSends(['IMAP4rev1', 'SASL-IR', 'AUTH=XOAUTH2'], 'alice@gmail.com', token);
    expect(x).toEqual({ mech: 'XOAUTH2', b64: xoauth2InitialResponse('alice@gmail.com', token) });
    const o = await imapflowSends(['IMAP4rev1', 'SASL-IR', 'AUTH=XOAUTH2', 'AUTH=OAUTHBEARER'], 'alice@gmail.com', token);
    expect(o).toEqual({ mech: 'OAUTHBEARER', b64: oauthBearerInitialResponse({ user: 'alice@gmail.com', accessToken: token, host: 'imap.gmail.com', port: 993 }) });
  });

  it('refuses values that would break the framing', () => {
    expect(() => xoauth2Payload('alice@gmail.com', 'tok\x01auth=Bearer evil')).toThrow(TypeError);
    expect(() => xoauth2Payload('alice\n@gmail.com', 'tok')).toThrow(TypeError);
    expect(() => xoauth2Payload('alice@gmail.com', '')).toThrow(TypeError);
    expect(() => oauthBearerPayload({ user: 'a', accessToken: 't', host: 'h', port: 0 })).toThrow(TypeError);
    expect(() => imapflowOAuth('alice@gmail.com', 'a\rb')).toThrow(TypeError);
    expect(imapflowOAuth('alice@gmail.com', 'tok')).toEqual({ user: 'alice@gmail.com', accessToken: 'tok' });
  });
});
