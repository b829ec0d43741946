import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCourier } from '../support/courier.js';
import { startCyrus } from '../support/cyrus.js';
import { startDestination, startGmailSource, type DovecotServer } from '../support/dovecot.js';
import type { ImapTestServer } from '../support/imap-test-server.js';
import { seedFolder, type SeedMessage } from '../support/maildir-seed.js';
import { runCli, writeJob } from '../support/migration-fixture.js';

// A run reads a few copies back and says what each destination changed in them; verify says the same from
// sizes and headers. Courier adds a final line ending, Cyrus with munge8bit writes "X" for raw 8-bit header
// bytes; Cyrus without it and Dovecot store what they are given, and then nothing is said.
const USER = 'alice@example.com';
const LEAD = 'The destination changed what it stored';

let n = 0;
function message(subject: string, opts: { finalLineEnding?: boolean } = {}): SeedMessage {
  n++;
  const raw = Buffer.from(
    `Message-ID: <dc${n}@mailferry.test>\r\nDate: Mon, 1 Jan 2024 10:00:0${n % 10} +0000\r\nFrom: Ann <ann@example.com>\r\nTo: ${USER}\r\n` +
      `Subject: ${subject}\r\n\r\nFirst line of message ${n}.\r\nLast line${opts.finalLineEnding === false ? '' : '\r\n'}`,
    'latin1',
  );
  return { raw, flags: ['\\Seen'], internalDate: new Date(Date.UTC(2024, 0, 1, 10, 0, n)) };
}
/** Raw UTF-8 in the Subject (latin1 holds the bytes one to one). */
const UTF8 = Buffer.from('Réunion à Zürich', 'utf8').toString('latin1');

let source: DovecotServer;
const servers: ImapTestServer[] = [];

beforeAll(async () => {
  source = await startGmailSource();
  await seedFolder(source, USER, 'INBOX', [
    message('no final line ending 1', { finalLineEnding: false }),
    message('plain 1'),
    message(UTF8),
    message('no final line ending 2', { finalLineEnding: false }),
    message('plain 2'),
  ]);
  await seedFolder(source, USER, 'Work', [message('no final line ending 3', { finalLineEnding: false }), message(`${UTF8} (work)`), message('plain 3')]);
});

afterAll(async () => {
  await Promise.all([...servers.map((s) => s.stop()), source?.stop()]);
});

async function migrate(server: ImapTestServer, dir?: { jobFile: string; stateDir: string; dir: string; env: NodeJS.ProcessEnv }) {
  const job = dir ?? writeJob(source, server, USER);
  const reportFile = path.join(job.dir, `report-${process.hrtime.bigint()}.json`);
  const started = Date.now();
  const r = await runCli(['migrate', job.jobFile, '--state', job.stateDir, '--report', reportFile], job.env);
  const ms = Date.now() - started;
  expect(r.stderr, 'no crash').not.toMatch(/unexpected error/i);
  expect(r.code, r.stdout + r.stderr).toBe(0);
  const report = JSON.parse(fs.readFileSync(reportFile, 'utf8')).mailboxes[0];
  const changes = (report.notes as string[]).filter((x) => x.startsWith(LEAD));
  // The CLI summary prints the same notes.
  for (const note of changes) expect(r.stdout).toContain(`Note: ${note}`);
  return { job, report, changes, stdout: r.stdout, ms };
}

async function verify(job: { jobFile: string; env: NodeJS.ProcessEnv }) {
  const v = await runCli(['verify', job.jobFile], job.env);
  expect(v.code, v.stdout + v.stderr).toBe(0);
  expect(v.stdout).toContain('complete');
  return { stdout: v.stdout, changes: v.stdout.split('\n').filter((l) => l.startsWith(LEAD)) };
}

const CYRUS_FIX = "This is Cyrus's munge8bit setting (on by default): its administrator can keep such bytes with `munge8bit: no` in imapd.conf.";

const cases: Array<{ name: string; start: () => Promise<ImapTestServer>; work: string; run: string[]; verify: string[] }> = [
  {
    name: 'Courier: a final line ending added',
    start: () => startCourier(),
    work: 'INBOX.Work',
    run: [
      `${LEAD}: it added a final line ending to messages that lacked one (3 of 3 checked: 2 of 2 in INBOX, 1 of 1 in INBOX.Work). The text is the same. Courier-IMAP does this to every such message.`,
    ],
    verify: [`${LEAD}: it added a final line ending to 3 messages (2 in INBOX, 1 in INBOX.Work). The text is the same. Courier-IMAP does this to every such message.`],
  },
  {
    name: 'Cyrus, munge8bit on: 8-bit header bytes as "X", with the fix',
    start: () => startCyrus(),
    work: 'INBOX.Work',
    run: [
      `${LEAD}: it wrote "X" for each raw 8-bit byte (accented or non-Latin letters sent unencoded) in the headers of messages that had such bytes (2 of 2 checked: 1 of 1 in INBOX, 1 of 1 in INBOX.Work). Those letters now read "X" in subjects and names. ${CYRUS_FIX}`,
    ],
    verify: [
      `${LEAD}: it wrote "X" for each raw 8-bit byte (accented or non-Latin letters sent unencoded) in the headers of 2 messages (1 in INBOX, 1 in INBOX.Work). Those letters now read "X" in subjects and names. ${CYRUS_FIX}`,
    ],
  },
  { name: 'Cyrus, munge8bit off: nothing changed', start: () => startCyrus({ munge8bit: false }), work: 'INBOX.Work', run: [], verify: [] },
  { name: 'Dovecot: nothing changed', start: () => startDestination(), work: 'Work', run: [], verify: [] },
];

describe('what a destination changed in what it stored', () => {
  it.each(cases)('$name', async ({ start, work, run, verify: verifyNotes }) => {
    const server = await start();
    servers.push(server);
    const first = await migrate(server);
    expect(first.report.totals.copied).toBe(8);
    expect(first.report.folders.map((f: { target: string }) => f.target)).toEqual(expect.arrayContaining(['INBOX', work]));
    expect(first.changes).toEqual(run);

    const v = await verify(first.job);
    expect(v.changes).toEqual(verifyNotes);
    expect(v.stdout).not.toMatch(/^(missing|extra) in /m);

    // A re-run copies nothing, and reads nothing back: no note.
    const again = await migrate(server, first.job);
    expect(again.report.totals.copied).toBe(0);
    expect(again.report.totals.planned).toBe(0);
    expect(again.changes).toEqual([]);
    console.log(`${server.kind}: first run ${first.ms} ms, re-run ${again.ms} ms`);
  });
});

describe('verify, on copies another tool left changed', () => {
  it('names what the server did: a final line ending (by size), header fields added (by a sample), exit 0', async () => {
    const user = 'bob@example.com';
    const sent = [message('as sent'), message('no final line ending', { finalLineEnding: false }), message('exchange-like')];
    await seedFolder(source, user, 'INBOX', sent);
    const server = await startDestination();
    servers.push(server);
    // As a server that completes line endings and one that adds its own fields (fingerprints leave X-MS-* out).
    const stored = [sent[0]!, { ...sent[1]!, raw: Buffer.concat([sent[1]!.raw, Buffer.from('\r\n')]) }, { ...sent[2]!, raw: Buffer.concat([Buffer.from('X-MS-Exchange-Organization-AuthAs: Internal\r\n'), sent[2]!.raw]) }];
    await seedFolder(server, user, 'INBOX', stored);
    const job = writeJob(source, server, user);
    const v = await verify(job);
    expect(v.stdout).not.toMatch(/^(missing|extra) in /m);
    expect(v.changes).toEqual([
      `${LEAD}: it added a final line ending to 1 message (1 in INBOX). The text is the same.`,
      `${LEAD}: it stored 1 message with another size than the source's (1 in INBOX); Mailferry recognised it by its content.`,
      `${LEAD}: it added header fields (X-MS-Exchange-Organization-AuthAs) to messages (1 of 1 checked in INBOX).`,
    ]);
  });
});
