import { describe, expect, it } from 'vitest';
import { MailferryError } from '../../src/main/engine/errors/errors.js';
import { fromLineDate, normaliseLines, parseMboxMessage, peekMbox } from '../../src/main/engine/takeout/mbox-message.js';
import { splitMbox, type MboxEntry } from '../../src/main/engine/takeout/mbox-split.js';

/** The bytes handed over in chunks of `size` (1: a separator is always split across chunks). */
async function* chunked(data: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function split(text: string, size = 7): Promise<MboxEntry[]> {
  const out: MboxEntry[] = [];
  for await (const e of splitMbox(chunked(Buffer.from(text, 'latin1'), size), 'test.mbox')) out.push(e);
  return out;
}

async function failure(text: string, size = 5): Promise<MailferryError> {
  try {
    await split(text, size);
  } catch (err) {
    return err as MailferryError;
  }
  throw new Error('no error');
}

const A = 'From 1@xxx Wed Jan 08 20:41:08 +0000 2020\r\nX-GM-THRID: 1\r\nX-Gmail-Labels: Inbox,Opened\r\nSubject: a\r\n\r\nbody a\r\n\r\n';
const B = 'From 2@xxx Thu Jan 09 07:00:00 +0100 2020\r\nX-GM-THRID: 2\r\nX-Gmail-Labels: Sent\r\nSubject: b\r\n\r\nbody b\r\n\r\n';

describe('splitMbox', () => {
  it.each([1, 2, 5, 7, 64, 4096])('finds every message whatever the chunk size (%i)', async (size) => {
    const body = 'Subject: c\r\n\r\n>From quoted\r\nFrom: not a separator without an empty line before\r\n';
    const C = `From 3@xxx Fri Jan 10 00:00:00 +0000 2020\r\n${body}\r\n`;
    const entries = await split(A + B + C, size);
    expect(entries.map((e) => [e.ordinal, e.offset, e.bytes.toString('latin1')])).toEqual([
      [1, 0, A], [2, A.length, B], [3, A.length + B.length, C],
    ]);
  });

  it('takes LF-only mboxes too', async () => {
    const lf = (A + B).replaceAll('\r\n', '\n');
    expect((await split(lf, 3)).map((e) => e.bytes.toString('latin1'))).toEqual([A.replaceAll('\r\n', '\n'), B.replaceAll('\r\n', '\n')]);
  });

  it('refuses a file cut in the middle of a line, naming the message and its byte', async () => {
    const err = await failure(A + B.slice(0, 60));
    expect(err.code).toBe('TAKEOUT_DAMAGED');
    expect(err.message).toContain(`test.mbox ends in the middle of message 2 (which starts at byte ${A.length} of ${A.length + 60})`);
    expect(err.retryable).toBe(false);
  });

  it('never hands out the message being read when the file ends', async () => {
    const seen: number[] = [];
    await expect(async () => {
      for await (const e of splitMbox(chunked(Buffer.from(A + B.slice(0, 60), 'latin1'), 9), 'x')) seen.push(e.ordinal);
    }).rejects.toThrow(/message 2/);
    expect(seen).toEqual([1]);
  });

  it('refuses what is not an mbox, an empty file, and a message without separators past the limit', async () => {
    expect((await failure('Subject: hi\r\n\r\nno From line\r\n')).message).toContain('is not an mbox file');
    expect((await failure('')).message).toContain('is empty');
    const big = `From x Wed Jan 08 20:41:08 +0000 2020\r\n${'a'.repeat(100)}\r\n`;
    const err: unknown = await (async () => {
      try {
        for await (const e of splitMbox(chunked(Buffer.from(big), 16), 'x', 64)) void e;
      } catch (e) {
        return e;
      }
    })();
    expect((err as Error).message).toMatch(/a message of over 0 MB \(message 1, from byte 0\)/);
  });

  it('says which message a failing source interrupted', async () => {
    async function* broken(): AsyncGenerator<Buffer> {
      yield Buffer.from(A + B.slice(0, 20));
      const { takeoutDamaged } = await import('../../src/main/engine/takeout/takeout-errors.js');
      throw takeoutDamaged('x.tgz is incomplete', {});
    }
    const err: unknown = await (async () => {
      try {
        for await (const e of splitMbox(broken(), 'x')) void e;
      } catch (e) {
        return e;
      }
    })();
    expect((err as Error).message).toBe(`x.tgz is incomplete, while reading message 2 (which starts at byte ${A.length} of the mbox).`);
  });
});

describe('parseMboxMessage', () => {
  it('removes the From line, Takeout\'s two fields and the separator; keeps the labels and the date', () => {
    const m = parseMboxMessage(Buffer.from(A));
    expect(m.raw.toString()).toBe('Subject: a\r\n\r\nbody a\r\n');
    expect(m.labelHeader).toBe('Inbox,Opened');
    expect(m.receivedAt.toISOString()).toBe('2020-01-08T20:41:08.000Z');
  });

  it('undoes mboxrd quoting by one ">" and only on From lines', () => {
    const m = parseMboxMessage(Buffer.from('From x Wed Jan 08 20:41:08 +0000 2020\r\nSubject: q\r\n\r\n>From a\r\n>>From b\r\n> From c\r\n>Fromage\r\n\r\n'));
    expect(m.raw.toString()).toBe('Subject: q\r\n\r\nFrom a\r\n>From b\r\n> From c\r\n>Fromage\r\n');
  });

  it('writes every line ending as CRLF, and keeps a folded label header whole', () => {
    const m = parseMboxMessage(Buffer.from('From x Wed Jan 08 20:41:08 +0000 2020\nX-Gmail-Labels: Inbox,\n Work\nSubject: lf\n\nline\r\nbare\nend\n\n'));
    expect(m.raw.toString()).toBe('Subject: lf\r\n\r\nline\r\nbare\r\nend\r\n');
    expect(m.labelHeader).toBe('Inbox, Work');
  });

  it('leaves an X-Gmail-Labels below the top alone (it is part of the message)', () => {
    const m = parseMboxMessage(Buffer.from('From x Wed Jan 08 20:41:08 +0000 2020\r\nX-GM-THRID: 5\r\nSubject: s\r\nX-Gmail-Labels: kept\r\n\r\nb\r\n\r\n'));
    expect(m.raw.toString()).toBe('Subject: s\r\nX-Gmail-Labels: kept\r\n\r\nb\r\n');
    expect(m.labelHeader).toBeUndefined();
  });

  it('keeps a message that ends in an empty line: only the separator goes', () => {
    expect(parseMboxMessage(Buffer.from('From x Wed Jan 08 20:41:08 +0000 2020\r\nS: e\r\n\r\n\r\n')).raw.toString()).toBe('S: e\r\n\r\n');
    // The last message of a file need not have a separator.
    expect(parseMboxMessage(Buffer.from('From x Wed Jan 08 20:41:08 +0000 2020\r\nS: e\r\n\r\nend\r\n')).raw.toString()).toBe('S: e\r\n\r\nend\r\n');
  });

  it('takes the Date header when the From line has no date (else a fixed date), and peekMbox reads the same head', () => {
    const bytes = Buffer.from('From MAILER-DAEMON\r\nX-Gmail-Labels: Spam\r\nDate: some day\r\nSubject: d\r\n\r\nx\r\n');
    expect(parseMboxMessage(bytes).receivedAt.toISOString()).toBe('1970-01-01T00:00:00.000Z');
    const ok = Buffer.from('From MAILER-DAEMON\r\nX-Gmail-Labels: Spam\r\nDate: Tue, 02 Mar 2021 10:11:12 +0100\r\nSubject: d\r\n\r\nx\r\n');
    expect(parseMboxMessage(ok).receivedAt.toISOString()).toBe('2021-03-02T09:11:12.000Z');
    expect(peekMbox(ok)).toEqual({ fromDate: undefined, labelHeader: 'Spam', receivedAt: new Date('2021-03-02T09:11:12Z') });
  });
});

describe('fromLineDate', () => {
  it.each([
    ['From 1655@xxx Wed Jan 08 20:41:08 +0000 2020', '2020-01-08T20:41:08.000Z'],
    ['From 1655@xxx Wed Jan 08 20:41:08 -0230 2020', '2020-01-08T23:11:08.000Z'],
    ['From bob@example.org Wed Jan  8 20:41:08 2020', '2020-01-08T20:41:08.000Z'],
    ['From bob@example.org Sat Feb 29 23:59:59 2020 +0100', '2020-02-29T22:59:59.000Z'],
  ])('%s', (line, iso) => expect(fromLineDate(line)?.toISOString()).toBe(iso));

  it('gives undefined for a From line without a date', () => {
    expect(fromLineDate('From MAILER-DAEMON')).toBeUndefined();
    expect(fromLineDate('From x Wed Foo 08 20:41:08 +0000 2020')).toBeUndefined();
  });
});

describe('normaliseLines', () => {
  it('returns the same buffer when nothing changes (no copy of a big CRLF message)', () => {
    const b = Buffer.from('a\r\nb\r\n');
    expect(normaliseLines(b)).toBe(b);
  });
});
