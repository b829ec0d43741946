import { describe, expect, it } from 'vitest';
import {
  compareStored, countNotes, countStoredChanges, StoredChangeTally, traitsOf, type StoredChange,
} from '../../src/main/engine/report/destination-changes.js';
import { serverFamily } from '../../src/main/engine/servers/server-profiles.js';
import type { MessageMeta } from '../../src/main/engine/plan/folder-scan.js';
import { StoredSampler, SAMPLE_LIMITS } from '../../src/main/engine/report/destination-readback.js';

const b = (s: string) => Buffer.from(s, 'latin1');
const PLAIN = 'Message-ID: <a@x>\r\nSubject: hello\r\n\r\nBody line.\r\n';
const NO_EOL = 'Message-ID: <a@x>\r\nSubject: hello\r\n\r\nlast line';
const EIGHT = 'Message-ID: <a@x>\r\nSubject: caf\xc3\xa9\r\n\r\nBody.\r\n';
const EIGHT_X = 'Message-ID: <a@x>\r\nSubject: cafXX\r\n\r\nBody.\r\n';
const BARE = 'Message-ID: <a@x>\r\nSubject: hello\r\n\r\nline one\nline two\r\n';
const NUL = 'Message-ID: <a@x>\r\nSubject: hello\r\n\r\nnul \x00 here\r\n';

describe('compareStored: what a server did between the bytes sent and the bytes stored', () => {
  const table: Array<[string, string, string, StoredChange[], string[]?]> = [
    ['stored byte for byte', PLAIN, PLAIN, []],
    ['Courier: a final CRLF added', NO_EOL, `${NO_EOL}\r\n`, ['final-line-ending']],
    ['Cyrus munge8bit: each 8-bit header byte as "X"', EIGHT, EIGHT_X, ['eight-bit-header']],
    ['8-bit bytes in the body are not a header change', EIGHT.replace('Body', 'B\xe9dy'), EIGHT_X.replace('Body', 'B\xe9dy'), ['eight-bit-header']],
    ['Dovecot: a lone LF served as CRLF', BARE, BARE.replace('one\n', 'one\r\n'), ['bare-line-ends']],
    ['Dovecot: a lone CR served as CRLF', BARE.replace('one\n', 'one\r'), BARE.replace('one\n', 'one\r\n'), ['bare-line-ends']],
    ['Dovecot: NUL served as 0x80', NUL, NUL.replace('\x00', '\x80'), ['nul-bytes']],
    ['two at once: 8-bit header and final line ending', EIGHT.slice(0, -2), `${EIGHT_X.slice(0, -2)}\r\n`, ['eight-bit-header', 'final-line-ending']],
    ['only the change the server made, of two possible', EIGHT.slice(0, -2), `${EIGHT.slice(0, -2)}\r\n`, ['final-line-ending']],
    ['header fields added (named)', PLAIN, `Return-Path: <a@x>\r\n${PLAIN.replace('\r\n\r\n', '\r\nX-Spam-Score: 0\r\n\r\n')}`, ['headers-added'], ['Return-Path', 'X-Spam-Score']],
    ['a field added and a final line ending', NO_EOL, `X-Seen: 1\r\n${NO_EOL}\r\n`, ['final-line-ending', 'headers-added'], ['X-Seen']],
    ['a header rewritten: rebuilt', PLAIN, PLAIN.replace('hello', 'Hello'), ['rebuilt']],
    ['a field removed: rebuilt', PLAIN, PLAIN.replace('Subject: hello\r\n', ''), ['rebuilt']],
    ['the body changed: rebuilt', PLAIN, PLAIN.replace('Body', 'body'), ['rebuilt']],
    ['a final CRLF added to a message that had one: rebuilt', PLAIN, `${PLAIN}\r\n`, ['rebuilt']],
    ['"X" where no 8-bit byte was: rebuilt', PLAIN, PLAIN.replace('hello', 'hellX'), ['rebuilt']],
  ];
  it.each(table)('%s', (_name, sent, stored, changes, headers = []) => {
    expect(compareStored(b(sent), b(stored))).toEqual({ changes, addedHeaders: headers });
  });

  it('traits: what a message holds that a server may change', () => {
    expect(traitsOf(b(PLAIN))).toEqual([]);
    expect(traitsOf(b(NO_EOL))).toEqual(['final-line-ending']);
    expect(traitsOf(b(EIGHT))).toEqual(['eight-bit-header']);
    expect(traitsOf(b(BARE))).toEqual(['bare-line-ends']);
    expect(traitsOf(b(NUL))).toEqual(['nul-bytes']);
    expect(traitsOf(b('Subject: x\n\nbody'))).toEqual(['bare-line-ends', 'final-line-ending']);
  });
});

describe('StoredChangeTally: one note per kind, with changed-of-checked counts', () => {
  it('Courier: final line endings, counted per folder among the messages that lacked one', () => {
    const t = new StoredChangeTally();
    for (let i = 0; i < 3; i++) t.add('INBOX', b(NO_EOL), b(`${NO_EOL}\r\n`));
    t.add('INBOX', b(PLAIN), b(PLAIN));
    t.add('INBOX.Sent', b(NO_EOL), b(`${NO_EOL}\r\n`));
    expect(t.checked).toBe(5);
    expect(t.notes('courier')).toEqual([
      'The destination changed what it stored: it added a final line ending to messages that lacked one (4 of 4 checked: 3 of 3 in INBOX, 1 of 1 in INBOX.Sent). The text is the same. Courier-IMAP does this to every such message.',
    ]);
  });

  it('Cyrus: 8-bit header bytes, with the munge8bit fix; an unknown server gets it as a likely cause', () => {
    const t = new StoredChangeTally();
    t.add('INBOX', b(EIGHT), b(EIGHT_X));
    t.add('INBOX', b(PLAIN), b(PLAIN));
    const [cyrus] = t.notes('cyrus');
    expect(cyrus).toBe(
      'The destination changed what it stored: it wrote "X" for each raw 8-bit byte (accented or non-Latin letters sent unencoded) in the headers of messages that had such bytes (1 of 1 checked in INBOX). Those letters now read "X" in subjects and names. This is Cyrus\'s munge8bit setting (on by default): its administrator can keep such bytes with `munge8bit: no` in imapd.conf.',
    );
    expect(t.notes()).toHaveLength(1);
    expect(t.notes()[0]).toContain('`munge8bit: no` in imapd.conf');
  });

  it('nothing changed: no note at all', () => {
    const t = new StoredChangeTally();
    t.add('INBOX', b(EIGHT), b(EIGHT));
    t.add('INBOX', b(NO_EOL), b(NO_EOL));
    expect(t.notes('dovecot')).toEqual([]);
  });

  it('rebuilt and added headers are counted over every message checked', () => {
    const t = new StoredChangeTally();
    t.add('INBOX', b(PLAIN), b(PLAIN.replace('hello', 'Hello')));
    t.add('INBOX', b(NO_EOL), b(`X-MS-Exchange-Id: 1\r\n${NO_EOL}`));
    expect(t.notes('exchange')).toEqual([
      'The destination changed what it stored: it added header fields (X-MS-Exchange-Id) to messages (1 of 2 checked in INBOX).',
      'The destination changed what it stored: it stored messages as other bytes than were sent (it rebuilds messages in its own format) (1 of 2 checked in INBOX). Exchange does this to every message.',
    ]);
  });

  it('many folders: five named, the rest counted', () => {
    const t = new StoredChangeTally();
    for (let i = 0; i < 7; i++) t.add(`F${i}`, b(NO_EOL), b(`${NO_EOL}\r\n`));
    expect(t.notes()[0]).toContain('(7 of 7 checked: 1 of 1 in F0, 1 of 1 in F1, 1 of 1 in F2, 1 of 1 in F3, 1 of 1 in F4 and 2 more folders)');
  });
});

describe("verify's counts: from sizes and identity headers, no download", () => {
  const meta = (uid: number, size: number, eightBit = false): MessageMeta => ({
    uid, size, key: `k${uid}`, headerKey: `h${uid}`, internalDate: new Date(0), flags: [], messageId: null, ...(eightBit ? { eightBitHeader: true as const } : {}),
  });
  it('counts final line endings (+2), 8-bit header bytes lost, and other sizes', () => {
    const found = [
      { meta: meta(1, 100), destUid: 11, sizeDelta: 2 },
      { meta: meta(2, 100, true), destUid: 12, sizeDelta: 0 },
      { meta: meta(3, 100, true), destUid: 13, sizeDelta: 0 },
      { meta: meta(4, 100), destUid: 14, sizeDelta: 350 },
      { meta: meta(5, 100), destUid: 15, sizeDelta: 0 },
    ];
    const dest = [meta(11, 102), meta(12, 100), meta(13, 100, true), meta(14, 450), meta(15, 100)];
    const { counts, otherSize } = countStoredChanges(found, dest);
    expect(counts).toEqual({ finalLineEnding: 1, eightBitHeader: 1, otherSize: 1 });
    expect(otherSize.map((m) => m.destUid)).toEqual([14]);
  });

  it('notes with exact counts per folder', () => {
    const notes = countNotes(
      [
        { target: 'INBOX', changed: { finalLineEnding: 800, eightBitHeader: 0, otherSize: 0 } },
        { target: 'INBOX.Sent', changed: { finalLineEnding: 38, eightBitHeader: 2, otherSize: 1 } },
      ],
      'courier',
    );
    expect(notes).toEqual([
      'The destination changed what it stored: it added a final line ending to 838 messages (800 in INBOX, 38 in INBOX.Sent). The text is the same. Courier-IMAP does this to every such message.',
      expect.stringContaining('in the headers of 2 messages (2 in INBOX.Sent)'),
      "The destination changed what it stored: it stored 1 message with another size than the source's (1 in INBOX.Sent); Mailferry recognised it by its content.",
    ]);
    expect(countNotes([{ target: 'INBOX', changed: { finalLineEnding: 0, eightBitHeader: 0, otherSize: 0 } }])).toEqual([]);
  });
});

describe('serverFamily', () => {
  it.each([
    [{ serverInfo: { name: 'Cyrus IMAPD' } }, 'cyrus'],
    [{ greeting: 'mail.example.com Cyrus IMAP 3.6.1 server ready' }, 'cyrus'],
    [{ greeting: 'Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.' }, 'courier'],
    [{ serverInfo: { name: 'Dovecot' }, greeting: 'Dovecot (Debian) ready.' }, 'dovecot'],
    [{ greeting: 'The Microsoft Exchange IMAP4 service is ready.' }, 'exchange'],
    [{ greeting: 'IMAP4rev1 ready' }, undefined],
  ])('%j -> %s', (client, family) => {
    expect(serverFamily(client)).toBe(family);
  });
});

describe('StoredSampler: a bounded sample that favours messages a server may change', () => {
  it('keeps at most perFolder of each reason per folder, preferring traits, and copies what it keeps', () => {
    const s = new StoredSampler();
    const raw = b(NO_EOL);
    for (let uid = 1; uid <= 10; uid++) s.offer('INBOX', uid, 7, raw);
    for (let uid = 11; uid <= 20; uid++) s.offer('INBOX', uid, 7, b(PLAIN));
    s.offer('INBOX', 21, 7, b(EIGHT));
    s.offer('INBOX', 22, 7, b(BARE));
    const [inbox] = s.folders();
    expect(inbox!.samples.map((x) => x.uid)).toEqual([1, 2, 3, 4, 5, 6, 21, 22]);
    expect(inbox!.samples[0]!.raw).not.toBe(raw);
    expect(inbox!.samples[0]!.raw.equals(raw)).toBe(true);
  });

  it('leaves out big messages and stops at the byte and folder bounds', () => {
    const s = new StoredSampler();
    s.offer('INBOX', 1, 1, Buffer.alloc(SAMPLE_LIMITS.messageBytes + 1, 0x41));
    expect(s.size).toBe(0);
    // 'any' fills up over the mailbox (perReason), then only messages with a trait are kept.
    const perReasonFolders = SAMPLE_LIMITS.perReason / SAMPLE_LIMITS.perFolder;
    for (let i = 0; i < perReasonFolders + 1; i++) for (let uid = 1; uid <= SAMPLE_LIMITS.perFolder; uid++) s.offer(`P${i}`, uid, 1, b(PLAIN));
    expect(s.size).toBe(SAMPLE_LIMITS.perReason);
    expect(s.folders()).toHaveLength(perReasonFolders);
    // Folders are bounded: new ones stop at SAMPLE_LIMITS.folders, known ones still take samples.
    for (let i = 0; i < SAMPLE_LIMITS.folders + 3; i++) s.offer(`E${i}`, 1, 1, b(EIGHT));
    expect(s.folders()).toHaveLength(SAMPLE_LIMITS.folders);
    s.offer('P0', 9, 1, b(NO_EOL));
    expect(s.folders().find((f) => f.target === 'P0')!.samples.map((x) => x.uid)).toContain(9);
    const big = Buffer.concat([b('Subject: x\r\n\r\n'), Buffer.alloc(SAMPLE_LIMITS.messageBytes - 100, 0x41), b('\r\n')]);
    const t = new StoredSampler();
    for (let uid = 1; uid <= 100; uid++) t.offer(`F${uid % 5}`, uid, 1, big);
    expect(t.bytes).toBeLessThanOrEqual(SAMPLE_LIMITS.totalBytes);
    expect(t.size).toBe(Math.floor(SAMPLE_LIMITS.totalBytes / big.length));
  });
});
