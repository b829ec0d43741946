/**
 * Runs against a REAL Secret Service: gnome-keyring in a private D-Bus session started by
 *   bash scripts/with-keyring.sh npx vitest run test/integration/keychain.test.ts
 * Outside such a session the keychain tests fail (on purpose, never skip), and they refuse to run
 * against a desktop's own keyring (MAILFERRY_KEYRING_SESSION=1 marks the throw-away one).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailferryError, type ErrorInfo } from '../../src/main/engine/errors/errors.js';
import type { Endpoint } from '../../src/main/engine/job/job.js';
import {
  deletePassword,
  getPassword,
  keychainAccount,
  normalizeAppPassword,
  resolvePassword,
  setPassword,
} from '../../src/main/engine/connect/secrets.js';
import { promptHidden } from '../../src/main/cli/prompt.js';
import { runSecretsCommand, SECRETS_EXIT } from '../../src/main/cli/secrets-command.js';

const root = resolve(import.meta.dirname, '../..');
const run = `${process.pid}-${Date.now()}`;
const HOST = 'imap.mailferry.test';
const user = (name: string) => `${name}-${run}@example.test`;

function requireKeyringSession(): void {
  if (!process.env.DBUS_SESSION_BUS_ADDRESS || process.env.MAILFERRY_KEYRING_SESSION !== '1') {
    throw new Error(
      'The keychain tests need a private Secret Service (gnome-keyring in its own D-Bus session), and ' +
        (process.env.DBUS_SESSION_BUS_ADDRESS
          ? 'refuse to write into this desktop session’s keyring. '
          : 'there is no D-Bus session (DBUS_SESSION_BUS_ADDRESS is unset). ') +
        'Run them via: bash scripts/with-keyring.sh npx vitest run test/integration/keychain.test.ts',
    );
  }
}

function caught(fn: () => unknown): MailferryError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(MailferryError);
    return err as MailferryError;
  }
  throw new Error('expected a MailferryError');
}

const endpoint = (patch: Partial<Endpoint> = {}): Endpoint => ({
  host: HOST,
  port: 993,
  security: 'tls',
  user: user('resolve'),
  ...patch,
});

// ---------------------------------------------------------------------------------------------------
// Child processes run the real modules (bundled by esbuild; the native keyring addon stays external).
let childDir: string;
async function childScript(name: string, source: string): Promise<string> {
  const result = await build({
    stdin: { contents: source, resolveDir: root, sourcefile: `${name}.ts`, loader: 'ts' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: ['@napi-rs/keyring'],
    write: false,
    logLevel: 'silent',
  });
  const file = join(childDir, `${name}.mjs`);
  writeFileSync(file, result.outputFiles[0]!.text);
  return file;
}

function runChild(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
    child.stdin.end(opts.stdin ?? '');
  });
}

const PROBE = `
  import { getPassword, setPassword, resolvePassword } from './src/main/engine/connect/secrets.ts';
  const out = {};
  const tryIt = (name, fn) => { try { out[name] = { ok: fn() }; } catch (e) { out[name] = { error: e.toInfo ? e.toInfo() : String(e) }; } };
  tryIt('get', () => getPassword('imap.example.test', 'alice'));
  tryIt('set', () => setPassword('imap.example.test', 'alice', 'sup3r-s3cret-value'));
  tryIt('resolve', () => resolvePassword({ host: 'imap.example.test', port: 993, security: 'tls', user: 'alice' }, {}));
  process.stdout.write(JSON.stringify(out));
`;

const CLI = `
  import { runSecretsCommand } from './src/main/cli/secrets-command.ts';
  process.exitCode = await runSecretsCommand(process.argv.slice(2), {
    input: process.stdin, output: process.stdout, errorOutput: process.stderr,
  });
`;

let probeFile: string;
let cliFile: string;
beforeAll(async () => {
  childDir = mkdtempSync(join(tmpdir(), 'mailferry-keychain-test-'));
  // Lets the bundles import the native addon from the project's node_modules.
  symlinkSync(join(root, 'node_modules'), join(childDir, 'node_modules'));
  probeFile = await childScript('probe', PROBE);
  cliFile = await childScript('cli', CLI);
});
afterAll(() => rmSync(childDir, { recursive: true, force: true }));

// ---------------------------------------------------------------------------------------------------
describe('OS keychain through the real Secret Service', () => {
  beforeAll(requireKeyringSession);

  it('stores, reads and deletes a password', () => {
    const u = user('roundtrip');
    expect(getPassword(HOST, u)).toBeNull();
    setPassword(HOST, u, 'correct horse battery staple');
    expect(getPassword(HOST, u)).toBe('correct horse battery staple');
    setPassword(HOST, u, 'replaced');
    expect(getPassword(HOST, u)).toBe('replaced');
    expect(deletePassword(HOST, u)).toBe(true);
    expect(getPassword(HOST, u)).toBeNull();
    expect(deletePassword(HOST, u)).toBe(false);
  });

  it('returns null for an unknown entry', () => {
    expect(getPassword('never.stored.test', user('nobody'))).toBeNull();
  });

  it('names entries user@host with the host lower-cased', () => {
    const u = user('Case');
    expect(keychainAccount('IMAP.Mailferry.Test', u)).toBe(`${u}@imap.mailferry.test`);
    setPassword('IMAP.Mailferry.Test', u, 'pw');
    expect(getPassword(HOST, u)).toBe('pw');
    expect(getPassword(HOST, u.toLowerCase())).toBeNull(); // user names keep their case
    deletePassword(HOST, u);
  });

  it('really writes into the Secret Service (secret-tool sees it, and the other way round)', () => {
    const u = user('secret-tool');
    setPassword(HOST, u, 'visible-to-secret-tool');
    // secret-tool prints the secret on stdout and the attributes on stderr.
    const listing = execFileSync('secret-tool', ['search', '--all', 'service', 'mailferry'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(listing).toContain('secret = visible-to-secret-tool');
    const looked = execFileSync('secret-tool', ['lookup', 'service', 'mailferry', 'username', `${u}@${HOST}`], {
      encoding: 'utf8',
    });
    expect(looked).toBe('visible-to-secret-tool');

    const v = user('from-secret-tool');
    execFileSync('secret-tool', ['store', '--label=test', 'service', 'mailferry', 'username', `${v}@${HOST}`], {
      input: 'stored by secret-tool',
    });
    expect(getPassword(HOST, v)).toBe('stored by secret-tool');
    deletePassword(HOST, u);
    deletePassword(HOST, v);
  });

  it('refuses to store an empty password', () => {
    expect(caught(() => setPassword(HOST, user('empty'), '')).code).toBe('SECRET_MISSING');
  });

  it('resolves a password from the keychain', () => {
    const ep = endpoint({ user: user('keychain') });
    setPassword(ep.host, ep.user, 'pass with spaces');
    expect(resolvePassword(ep, {})).toBe('pass with spaces'); // not Google: spaces kept
    expect(resolvePassword(ep, {}, { stripWhitespace: true })).toBe('passwithspaces');
    deletePassword(ep.host, ep.user);
  });

  it('says exactly which command to run when nothing is stored', () => {
    const ep = endpoint({ user: user('absent') });
    const err = caught(() => resolvePassword(ep, {}));
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.message).toBe(`No password is stored for ${ep.user} on ${HOST}.`);
    expect(err.hint).toContain(`npx mailferry secrets set ${HOST} ${ep.user}`);
  });

  it('strips spaces from Google app passwords stored in the keychain', () => {
    const ep = endpoint({ host: 'imap.gmail.com', user: user('gmail') });
    setPassword(ep.host, ep.user, 'abcd efgh ijkl mnop');
    expect(resolvePassword(ep, {})).toBe('abcdefghijklmnop');
    expect(resolvePassword(ep, {}, { stripWhitespace: false })).toBe('abcd efgh ijkl mnop');
    deletePassword(ep.host, ep.user);
  });

  it('prefers passwordEnv over the keychain', () => {
    const ep = endpoint({ user: user('both'), passwordEnv: 'MF_TEST_PW' });
    setPassword(ep.host, ep.user, 'from keychain');
    expect(resolvePassword(ep, { MF_TEST_PW: 'from env' })).toBe('from env');
    deletePassword(ep.host, ep.user);
  });

  it('secrets set/check/delete with the password piped on stdin', async () => {
    const u = user('cli');
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d) => (printed += d));
    const io = (stdin: string) => ({ input: Readable.from([stdin]) as unknown as NodeJS.ReadableStream, output });

    expect(await runSecretsCommand(['check', HOST, u], io(''))).toBe(SECRETS_EXIT.NOT_STORED);
    expect(printed).toContain(`No password is stored for ${u} on ${HOST}.`);

    expect(await runSecretsCommand(['set', HOST, u], io('  my pass word \n'))).toBe(SECRETS_EXIT.OK);
    expect(printed).toContain(`Stored the password for ${u} on ${HOST} in the OS keychain.`);
    expect(getPassword(HOST, u)).toBe('  my pass word '); // stored verbatim for a non-Google host

    expect(await runSecretsCommand(['check', HOST, u], io(''))).toBe(SECRETS_EXIT.OK);
    expect(printed).toContain(`A password for ${u} on ${HOST} is stored in the OS keychain.`);
    expect(printed).not.toContain('my pass word');

    expect(await runSecretsCommand(['delete', HOST, u], io(''))).toBe(SECRETS_EXIT.OK);
    expect(getPassword(HOST, u)).toBeNull();
    expect(await runSecretsCommand(['delete', HOST, u], io(''))).toBe(SECRETS_EXIT.OK);
    expect(printed).toContain('nothing to delete');

    expect(await runSecretsCommand(['set', HOST, u], io('\n'))).toBe(SECRETS_EXIT.FAILED);
    expect(getPassword(HOST, u)).toBeNull();
  });

  it('secrets set stores a Gmail app password without its spaces', async () => {
    const u = user('cli-gmail');
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d) => (printed += d));
    const input = Readable.from(['abcd efgh ijkl mnop\n']) as unknown as NodeJS.ReadableStream;
    expect(await runSecretsCommand(['set', 'imap.gmail.com', u], { input, output })).toBe(0);
    expect(getPassword('imap.gmail.com', u)).toBe('abcdefghijklmnop');
    expect(printed).toContain('App password for');
    expect(printed).not.toContain('abcd');
    deletePassword('imap.gmail.com', u);
  });

  it('secrets set in a real process reads the password from a stdin pipe', async () => {
    const u = user('cli-process');
    const res = await runChild(process.execPath, [cliFile, 'set', HOST, u], { stdin: 'piped secret\n' });
    expect(res.stderr).toBe('');
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`Stored the password for ${u} on ${HOST} in the OS keychain.`);
    expect(res.stdout).not.toContain('piped secret');
    expect(getPassword(HOST, u)).toBe('piped secret');

    const check = await runChild(process.execPath, [cliFile, 'check', HOST, u]);
    expect(check.code).toBe(0);
    deletePassword(HOST, u);
    const after = await runChild(process.execPath, [cliFile, 'check', HOST, u]);
    expect(after.code).toBe(SECRETS_EXIT.NOT_STORED);
  });

  it('usage errors exit 2 and never take a password from argv', async () => {
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d) => (printed += d));
    const input = new PassThrough() as unknown as NodeJS.ReadableStream;
    expect(await runSecretsCommand([], { input, output })).toBe(SECRETS_EXIT.USAGE);
    expect(await runSecretsCommand(['set', HOST], { input, output })).toBe(SECRETS_EXIT.USAGE);
    expect(await runSecretsCommand(['set', HOST, 'u', 'argv-secret'], { input, output })).toBe(SECRETS_EXIT.USAGE);
    expect(printed).toContain('not given on the command line');
    expect(printed).not.toContain('argv-secret');
    expect(await runSecretsCommand(['list'], { input, output })).toBe(SECRETS_EXIT.USAGE);
  });
});

describe('no Secret Service reachable', () => {
  type Probe = Record<'get' | 'set' | 'resolve', { ok?: unknown; error?: ErrorInfo }>;
  const expectUnavailable = (probe: Probe) => {
    for (const name of ['get', 'set', 'resolve'] as const) {
      const error = probe[name].error;
      expect(error?.code, `${name}: ${JSON.stringify(probe[name])}`).toBe('KEYCHAIN_UNAVAILABLE');
    }
  };

  it('gives KEYCHAIN_UNAVAILABLE with a hint, not a silent fallback, when D-Bus is unreachable', async () => {
    const env = { ...process.env, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/mailferry-bus' };
    const res = await runChild(process.execPath, [probeFile], { env });
    expect(res.code, res.stderr).toBe(0);
    const probe = JSON.parse(res.stdout) as Probe;
    expectUnavailable(probe);
    const err = probe.set.error!;
    expect(err.message).toBe(
      'Could not store the password for alice on imap.example.test: the OS keychain is not available or is locked.',
    );
    expect(err.hint).toContain('Secret Service (GNOME Keyring or KWallet)');
    expect(err.hint).toContain('passwordEnv');
    expect(err.retryable).toBe(false);
    expect(res.stdout).not.toContain('sup3r-s3cret-value');
  });

  it('gives KEYCHAIN_UNAVAILABLE with no D-Bus session at all', async () => {
    const env = { ...process.env };
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const res = await runChild(process.execPath, [probeFile], { env });
    expectUnavailable(JSON.parse(res.stdout) as Probe);
  });

  it('gives KEYCHAIN_UNAVAILABLE when the keyring exists but was never unlocked', async () => {
    // A bus where gnome-keyring is D-Bus-activated but not unlocked: reads answer "nothing stored"
    // (the library cannot tell), writes fail with "no result found". The write must be a clear error.
    const xdg = mkdtempSync(join(tmpdir(), 'mailferry-locked-'));
    try {
      const env: NodeJS.ProcessEnv = { ...process.env, XDG_DATA_HOME: join(xdg, 'data'), XDG_RUNTIME_DIR: xdg };
      delete env.DBUS_SESSION_BUS_ADDRESS;
      delete env.MAILFERRY_KEYRING_SESSION;
      const res = await runChild('dbus-run-session', ['--', process.execPath, probeFile], { env });
      const probe = JSON.parse(res.stdout) as Probe;
      expect(probe.set.error?.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(probe.get.ok ?? null).toBeNull();
    } finally {
      rmSync(xdg, { recursive: true, force: true });
    }
  });
});

describe('resolvePassword from the environment', () => {
  it.each([
    ['plain', 'mail.example.com', 's3cret pw', 's3cret pw'],
    ['Gmail strips spaces', 'imap.gmail.com', 'abcd efgh ijkl mnop\n', 'abcdefghijklmnop'],
  ])('%s', (_name, host, value, expected) => {
    expect(resolvePassword(endpoint({ host, passwordEnv: 'MF_PW' }), { MF_PW: value })).toBe(expected);
  });

  it.each([
    ['unset', {}, 'The environment variable MF_PW (passwordEnv for alice on mail.example.com) is not set.'],
    ['empty', { MF_PW: '' }, 'The environment variable MF_PW (passwordEnv for alice on mail.example.com) is empty.'],
  ])('names the variable when it is %s', (_name, env, message) => {
    const err = caught(() => resolvePassword(endpoint({ host: 'mail.example.com', user: 'alice', passwordEnv: 'MF_PW' }), env));
    expect(err.code).toBe('SECRET_MISSING');
    expect(err.message).toBe(message);
    expect(err.hint).toContain('Set MF_PW');
  });

  it('treats a whitespace-only Gmail app password as missing', () => {
    const ep = endpoint({ host: 'imap.gmail.com', passwordEnv: 'MF_PW' });
    expect(caught(() => resolvePassword(ep, { MF_PW: '   ' })).code).toBe('SECRET_MISSING');
  });

  it('normalizeAppPassword removes every kind of whitespace', () => {
    expect(normalizeAppPassword(' abcd\tefgh ijkl\u00a0mnop\r\n')).toBe('abcdefghijklmnop');
  });
});

// ---------------------------------------------------------------------------------------------------
/** A stand-in for a terminal: a stream with isTTY and a recorded setRawMode. */
function fakeTty() {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; isRaw: boolean; setRawMode: (m: boolean) => void; modes: boolean[] };
  input.isTTY = true;
  input.isRaw = false;
  input.modes = [];
  input.setRawMode = (m: boolean) => {
    input.isRaw = m;
    input.modes.push(m);
  };
  const output = new PassThrough();
  let written = '';
  output.on('data', (d) => (written += d));
  return { input, output, written: () => written };
}

describe('promptHidden', () => {
  it('reads without echo in raw mode, with backspace, Ctrl-U and arrow keys ignored', async () => {
    const tty = fakeTty();
    const answer = promptHidden('Password: ', tty);
    tty.input.write('wrong');
    tty.input.write('\u0015'); // Ctrl-U
    tty.input.write('pa\u001b[Dss'); // left arrow ignored
    tty.input.write('xx\u007f\u007f'); // two backspaces
    tty.input.write(Buffer.from('wörd', 'utf8').subarray(0, 2)); // a UTF-8 character split across chunks
    tty.input.write(Buffer.from('wörd', 'utf8').subarray(2));
    tty.input.write('\r');
    expect(await answer).toBe('passwörd');
    expect(tty.written()).toBe('Password: \n'); // nothing typed was echoed
    expect(tty.input.modes).toEqual([true, false]); // raw mode restored
  });

  it('rejects with CANCELLED on Ctrl-C and restores the terminal', async () => {
    const tty = fakeTty();
    const answer = promptHidden('Password: ', tty);
    tty.input.write('abc\u0003');
    await expect(answer).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(tty.input.isRaw).toBe(false);
    expect(tty.input.listenerCount('data')).toBe(0);
  });

  it('rejects with CANCELLED on Ctrl-D at an empty line', async () => {
    const tty = fakeTty();
    const answer = promptHidden('Password: ', tty);
    tty.input.write('\u0004');
    await expect(answer).rejects.toMatchObject({ code: 'CANCELLED' });
  });

  it('reads one plain line from a pipe and leaves the rest for the next reader', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    input.end('first line\r\nsecond\n');
    expect(await promptHidden('A: ', { input, output })).toBe('first line');
    expect(await promptHidden('B: ', { input, output })).toBe('second');
  });

  it('accepts a last line without newline, and an empty pipe as empty', async () => {
    const output = new PassThrough();
    const a = new PassThrough();
    a.end('no newline');
    expect(await promptHidden('A: ', { input: a, output })).toBe('no newline');
    const b = new PassThrough();
    b.end();
    expect(await promptHidden('B: ', { input: b, output })).toBe('');
  });
});
