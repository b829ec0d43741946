import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatErrorLine, MailferryError } from '../../src/main/engine/errors/errors.js';
import { DEFAULT_JOB_OPTIONS, isLoopbackHost, isSecretKey, loadJob, parseJob } from '../../src/main/engine/job/job.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'mailferry-job-'));
  writeFileSync(join(dir, 'ca.pem'), '-----BEGIN CERTIFICATE-----\n');
  mkdirSync(join(dir, 'certs'));
  writeFileSync(join(dir, 'certs', 'dest.pem'), '-----BEGIN CERTIFICATE-----\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const src = () => ({ host: 'imap.gmail.com', user: 'alice@gmail.com' });
const dst = () => ({ host: 'mail.example.com', user: 'alice@example.com' });
const job = (patch: (j: any) => void = () => {}): any => {
  const j: any = { mailboxes: [{ source: src(), destination: dst() }] };
  patch(j);
  return j;
};

function errorOf(value: unknown): MailferryError {
  try {
    parseJob(value, dir);
  } catch (err) {
    expect(err).toBeInstanceOf(MailferryError);
    return err as MailferryError;
  }
  throw new Error('expected parseJob to throw');
}

describe('parseJob defaults', () => {
  it('fills in ports, security, id and options', () => {
    const parsed = parseJob(job(), dir);
    expect(parsed.options).toEqual(DEFAULT_JOB_OPTIONS);
    expect(parsed.options).toEqual({
      connectionsPerAccount: 4,
      globalConnections: 8,
      memoryBudgetMB: 64,
      labelPolicy: 'folder-per-label',
      labelsAsKeywords: false,
      bandwidthLimitKBps: 0,
      retryBaseMs: 1000,
      retryMaxMs: 120_000,
      retryAttempts: 12,
      quotaWaitSeconds: 3600,
      sessionMaxMinutes: 1380,
      stallTimeoutSeconds: 60,
      deleteMissing: false,
    });
    expect(parsed.mailboxes).toEqual([
      {
        id: 'alice@gmail.com',
        source: { host: 'imap.gmail.com', port: 993, security: 'tls', user: 'alice@gmail.com' },
        destination: { host: 'mail.example.com', port: 993, security: 'tls', user: 'alice@example.com' },
      },
    ]);
  });

  it.each([
    ['tls', 993],
    ['starttls', 143],
  ] as const)('security %s defaults to port %i', (security, port) => {
    const parsed = parseJob(job((j) => (j.mailboxes[0].destination.security = security)), dir);
    expect(parsed.mailboxes[0]!.destination.port).toBe(port);
  });

  it('keeps explicit values and resolves ca relative to the job file', () => {
    const parsed = parseJob(
      {
        mailboxes: [
          {
            id: 'alice',
            source: { ...src(), passwordEnv: 'GMAIL_APP_PASSWORD' },
            destination: { ...dst(), port: 10993, ca: 'certs/dest.pem' },
            folders: { include: ['INBOX', 'Work/*'], exclude: ['Spam'] },
          },
          { source: { host: '127.0.0.1', user: 'bob', security: 'none' }, destination: { host: '::1', user: 'bob', security: 'none', port: 1143 } },
        ],
        options: { connectionsPerAccount: 10, globalConnections: 20, memoryBudgetMB: 256, labelPolicy: 'folder-per-label', stallTimeoutSeconds: 2 },
      },
      dir,
    );
    expect(parsed.mailboxes[0]).toMatchObject({
      id: 'alice',
      source: { passwordEnv: 'GMAIL_APP_PASSWORD' },
      destination: { port: 10993, ca: join(dir, 'certs', 'dest.pem') },
      folders: { include: ['INBOX', 'Work/*'], exclude: ['Spam'] },
    });
    expect(parsed.mailboxes[1]).toMatchObject({ id: 'bob', source: { port: 143, security: 'none' } });
    expect(parsed.options.connectionsPerAccount).toBe(10);
    expect(parsed.options.stallTimeoutSeconds).toBe(2);
  });

  it('accepts an absolute ca path', () => {
    const ca = join(dir, 'ca.pem');
    const parsed = parseJob(job((j) => (j.mailboxes[0].source.ca = ca)), dir);
    expect(parsed.mailboxes[0]!.source.ca).toBe(ca);
  });
});

describe('parseJob errors', () => {
  // [case, job patch, exact text the message must contain]
  const cases: Array<[string, (j: any) => void, string]> = [
    ['port not a number', (j) => (j.mailboxes[0].destination.port = 'abc'), 'mailboxes[0].destination.port: must be an integer 1-65535 (got "abc")'],
    ['port 0', (j) => (j.mailboxes[0].destination.port = 0), 'mailboxes[0].destination.port: must be an integer 1-65535 (got 0)'],
    ['port too big', (j) => (j.mailboxes[0].source.port = 70000), 'mailboxes[0].source.port: must be an integer 1-65535 (got 70000)'],
    ['port fraction', (j) => (j.mailboxes[0].source.port = 993.5), 'mailboxes[0].source.port: must be an integer'],
    ['host missing', (j) => delete j.mailboxes[0].source.host, 'mailboxes[0].source.host: must be a non-empty string (got undefined)'],
    ['host empty', (j) => (j.mailboxes[0].source.host = ' '), 'mailboxes[0].source.host: must be a non-empty string'],
    ['host is a URL', (j) => (j.mailboxes[0].source.host = 'imaps://imap.gmail.com'), 'mailboxes[0].source.host: must be a host name or IP address'],
    ['user missing', (j) => delete j.mailboxes[0].destination.user, 'mailboxes[0].destination.user: must be a non-empty string'],
    ['user a number', (j) => (j.mailboxes[0].destination.user = 42), 'mailboxes[0].destination.user: must be a non-empty string (got 42)'],
    ['bad security', (j) => (j.mailboxes[0].destination.security = 'ssl'), 'mailboxes[0].destination.security: must be one of "tls", "starttls", "none" (got "ssl")'],
    ['security none remote', (j) => (j.mailboxes[0].destination.security = 'none'), 'mailboxes[0].destination.security: "none" sends the password and every message unencrypted, so it is allowed only for a loopback host'],
    ['security none on 10.x', (j) => Object.assign(j.mailboxes[0].destination, { host: '10.0.0.5', security: 'none' }), '"10.0.0.5" is not one'],
    ['passwordEnv not a name', (j) => (j.mailboxes[0].source.passwordEnv = '$GMAIL PW'), 'mailboxes[0].source.passwordEnv: must be the NAME of an environment variable'],
    ['ca missing file', (j) => (j.mailboxes[0].destination.ca = 'nope.pem'), 'mailboxes[0].destination.ca: file not found: '],
    ['ca is a directory', (j) => (j.mailboxes[0].destination.ca = 'certs'), 'mailboxes[0].destination.ca: is not a file'],
    ['unknown endpoint field (typo)', (j) => (j.mailboxes[0].destination.secuirty = 'tls'), 'mailboxes[0].destination.secuirty: unknown field (did you mean "security"?)'],
    ['unknown mailbox field', (j) => (j.mailboxes[0].label = 'x'), 'mailboxes[0].label: unknown field'],
    ['unknown top-level field', (j) => (j.mailbox = []), 'mailbox: unknown field (did you mean "mailboxes"?)'],
    ['unknown option', (j) => (j.options = { connections: 4 }), 'options.connections: unknown field'],
    ['unknown folders field', (j) => (j.mailboxes[0].folders = { only: ['INBOX'] }), 'mailboxes[0].folders.only: unknown field'],
    ['mailboxes missing', (j) => delete j.mailboxes, 'mailboxes: must be a non-empty array of mailboxes to migrate (got undefined)'],
    ['mailboxes empty', (j) => (j.mailboxes = []), 'mailboxes: must be a non-empty array'],
    ['mailbox not an object', (j) => (j.mailboxes[0] = 'alice'), 'mailboxes[0]: must be an object (got "alice")'],
    ['source not an object', (j) => (j.mailboxes[0].source = []), 'mailboxes[0].source: must be an object (got an array)'],
    ['id empty', (j) => (j.mailboxes[0].id = ''), 'mailboxes[0].id: must be a non-empty string'],
    ['duplicate explicit id', (j) => j.mailboxes.push({ id: 'alice@gmail.com', source: { ...src(), user: 'other@gmail.com' }, destination: { ...dst(), user: 'o@example.com' } }), 'mailboxes[1].id: "alice@gmail.com" is already used by mailboxes[0]'],
    ['duplicate id differing in case', (j) => { j.mailboxes[0].id = 'Alice'; j.mailboxes.push({ id: 'alice', source: { ...src(), user: 'b@gmail.com' }, destination: { ...dst(), user: 'b@example.com' } }); }, 'mailboxes[1].id: "alice" is already used by mailboxes[0]'],
    ['duplicate defaulted id', (j) => j.mailboxes.push({ source: src(), destination: { ...dst(), user: 'other@example.com' } }), 'mailboxes[1]: the id defaults to source.user "alice@gmail.com", which mailboxes[0] already uses'],
    ['same account both sides', (j) => (j.mailboxes[0].destination = src()), 'mailboxes[0]: source and destination are the same account'],
    ['include empty', (j) => (j.mailboxes[0].folders = { include: [] }), 'mailboxes[0].folders.include: is empty'],
    ['include not an array', (j) => (j.mailboxes[0].folders = { include: 'INBOX' }), 'mailboxes[0].folders.include: must be an array of folder names (got "INBOX")'],
    ['exclude item empty', (j) => (j.mailboxes[0].folders = { exclude: ['Spam', ''] }), 'mailboxes[0].folders.exclude[1]: must be a non-empty string'],
    ['connectionsPerAccount too high', (j) => (j.options = { connectionsPerAccount: 15 }), 'options.connectionsPerAccount: must be an integer 1-10 (Gmail allows 15 connections per account for all clients together) (got 15)'],
    ['globalConnections 0', (j) => (j.options = { globalConnections: 0 }), 'options.globalConnections: must be an integer 1-100 (got 0)'],
    ['memoryBudgetMB string', (j) => (j.options = { memoryBudgetMB: '64' }), 'options.memoryBudgetMB: must be an integer 8-4096 (got "64")'],
    ['labelPolicy other', (j) => (j.options = { labelPolicy: 'merge' }), 'options.labelPolicy: must be "folder-per-label"'],
    ['options not an object', (j) => (j.options = 4), 'options: must be an object (got 4)'],
    ['stallTimeoutSeconds 0', (j) => (j.options = { stallTimeoutSeconds: 0 }), 'options.stallTimeoutSeconds: must be an integer 1-3600 (got 0)'],
    ['stallTimeoutSeconds fractional', (j) => (j.options = { stallTimeoutSeconds: 2.5 }), 'options.stallTimeoutSeconds: must be an integer 1-3600 (got 2.5)'],
  ];

  it.each(cases)('%s', (_name, patch, expected) => {
    const err = errorOf(job(patch));
    expect(err.code).toBe('JOB_INVALID');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain(expected);
  });

  it('names the resolved path of a missing ca file', () => {
    const err = errorOf(job((j) => (j.mailboxes[0].destination.ca = 'nope.pem')));
    expect(err.message).toContain(`file not found: ${join(dir, 'nope.pem')}`);
  });

  it('rejects a non-object document', () => {
    for (const value of [null, [], 'x', 3]) {
      expect(errorOf(value).message).toContain('the job file must hold a JSON object with "mailboxes"');
    }
  });

  it('reports every problem at once', () => {
    const err = errorOf(
      job((j) => {
        j.mailboxes[0].source.port = 'abc';
        j.mailboxes[0].destination.secuirty = 'tls';
      }),
    );
    expect(err.message).toMatch(/^Job file has 2 problems: /);
    expect(err.message).toContain('mailboxes[0].source.port');
    expect(err.message).toContain('mailboxes[0].destination.secuirty');
    expect(err.details?.count).toBe(2);
  });
});

describe('secrets in job files', () => {
  const secretCases: Array<[string, (j: any) => void, string]> = [
    ['password on source', (j) => (j.mailboxes[0].source.password = 'hunter2hunter2'), 'mailboxes[0].source.password'],
    ['pass on destination', (j) => (j.mailboxes[0].destination.pass = 'hunter2hunter2'), 'mailboxes[0].destination.pass'],
    ['secret on mailbox', (j) => (j.mailboxes[0].secret = 'hunter2hunter2'), 'mailboxes[0].secret'],
    ['token at top level', (j) => (j.token = 'hunter2hunter2'), 'token'],
    ['refreshToken in options', (j) => (j.options = { refreshToken: 'hunter2hunter2' }), 'options.refreshToken'],
    ['appPassword on source', (j) => (j.mailboxes[0].source.appPassword = 'hunter2hunter2'), 'mailboxes[0].source.appPassword'],
    ['Password in an unknown nested object', (j) => (j.mailboxes[0].extra = { auth: { Password: 'hunter2hunter2' } }), 'mailboxes[0].extra.auth.Password'],
    ['password where the document is otherwise broken', (j) => { j.mailboxes = [{ password: 'hunter2hunter2' }]; }, 'mailboxes[0].password'],
  ];

  it.each(secretCases)('%s', (_name, patch, path) => {
    const err = errorOf(job(patch));
    expect(err.code).toBe('JOB_INVALID');
    expect(err.message).toContain(`${path}: passwords never go in job files`);
    expect(err.hint).toContain('npx mailferry secrets set HOST USER');
    expect(err.hint).toContain('passwordEnv');
    // the one line a user sees says what to do once, not twice
    expect(formatErrorLine(err).split('npx mailferry secrets set HOST USER')).toHaveLength(2);
    // the value itself is never repeated
    expect(JSON.stringify(err.toInfo())).not.toContain('hunter2');
    // and it is not reported a second time as an unknown field
    expect(err.message).not.toContain(`${path}: unknown field`);
  });

  it.each([
    ['password', true],
    ['pass', true],
    ['PASSWORD', true],
    ['client_secret', true],
    ['accessToken', true],
    ['pwd', true],
    ['passwordEnv', false],
    ['passive', false],
    ['host', false],
    ['security', false],
  ])('isSecretKey(%s) = %s', (key, expected) => {
    expect(isSecretKey(key)).toBe(expected);
  });
});

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.255.10.3', true],
    ['localhost', true],
    ['LOCALHOST', true],
    ['localhost.', true],
    ['::1', true],
    ['[::1]', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['128.0.0.1', false],
    ['10.0.0.1', false],
    ['::2', false],
    ['localhost.example.com', false],
    ['mail.example.com', false],
  ])('%s -> %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('loadJob', () => {
  const write = (name: string, text: string) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('reads a job file and resolves ca next to it', async () => {
    const file = write('ok.json', '\ufeff' + JSON.stringify(job((j) => (j.mailboxes[0].destination.ca = './ca.pem')), null, 2));
    const parsed = await loadJob(file);
    expect(parsed.mailboxes[0]!.destination.ca).toBe(join(dir, 'ca.pem'));
  });

  it('names line and column of a syntax error', async () => {
    const file = write('bad.json', '{\n  "mailboxes": [\n    { "id": "a", }\n  ]\n}\n');
    await expect(loadJob(file)).rejects.toMatchObject({
      code: 'JOB_INVALID',
      message: `Job file ${file} is not valid JSON at line 3, column 18.`,
    });
  });

  it('reports a truncated file', async () => {
    const file = write('short.json', '{\n  "mailboxes": [\n');
    await expect(loadJob(file)).rejects.toMatchObject({ message: expect.stringContaining('ends early at line 3') });
  });

  it('never quotes the file content in a syntax error', async () => {
    const file = write('leak.json', '{\n\n  "password": hunter2 }');
    const err = (await loadJob(file).catch((e) => e)) as MailferryError;
    expect(err.code).toBe('JOB_INVALID');
    expect(JSON.stringify(err.toInfo())).not.toContain('hunter2');
  });

  it('names the file in validation errors', async () => {
    const file = write('invalid.json', JSON.stringify(job((j) => (j.mailboxes[0].destination.port = 'abc'))));
    await expect(loadJob(file)).rejects.toMatchObject({
      code: 'JOB_INVALID',
      message: `Job file ${file}: mailboxes[0].destination.port: must be an integer 1-65535 (got "abc").`,
      details: { file },
    });
  });

  it('reports a missing file', async () => {
    await expect(loadJob(join(dir, 'missing.json'))).rejects.toMatchObject({
      code: 'JOB_INVALID',
      message: `Job file not found: ${join(dir, 'missing.json')}`,
    });
  });

  it.skipIf(process.getuid?.() === 0)('reports an unreadable ca file', () => {
    const ca = write('secret-ca.pem', 'x');
    chmodSync(ca, 0o000);
    expect(errorOf(job((j) => (j.mailboxes[0].destination.ca = ca))).message).toContain('file not readable');
  });
});

describe('Sign in with Google in the job file', () => {
  const dir = process.cwd();
  const base = () => ({
    mailboxes: [{ source: { host: 'imap.gmail.com', user: 'a@gmail.com' }, destination: { host: 'mail.example.com', user: 'a@example.com' } }],
  });
  it('accepts auth oauth2 with a client ID on the source', () => {
    const j = base();
    Object.assign(j.mailboxes[0]!.source, { auth: 'oauth2', oauthClientId: 'id.apps.googleusercontent.com' });
    expect(parseJob(j, dir).mailboxes[0]!.source).toMatchObject({ auth: 'oauth2', oauthClientId: 'id.apps.googleusercontent.com' });
  });
  it.each([
    [{ auth: 'oauth2' }, 'source', 'mailboxes[0].source.oauthClientId: must be a non-empty string'],
    [{ auth: 'oauth2', oauthClientId: 'x' }, 'destination', 'mailboxes[0].destination.auth: "oauth2" on the destination is for Microsoft 365 and Outlook.com: add "provider": "microsoft" (Sign in with Google is for the Gmail source)'],
    [{ auth: 'kerberos' }, 'source', 'mailboxes[0].source.auth: must be "password", "oauth2" or "service-account"'],
    [{ oauthClientId: 'x' }, 'source', 'mailboxes[0].source.oauthClientId: is only used with "auth": "oauth2"'],
  ])('%j on the %s is refused', (fields, side, message) => {
    const j = base();
    Object.assign(j.mailboxes[0]![side as 'source' | 'destination'], fields);
    expect(() => parseJob(j, dir)).toThrow(message);
  });
});
