import { describe, expect, it } from 'vitest';
import { contentFingerprint, identityOf, messageIdOf } from '../../src/main/engine/plan/message-identity.js';

const d = new Date('2020-02-03T04:05:06.789Z');
const raw = (s: string) => Buffer.from(s, 'latin1');

describe('identityOf', () => {
  it('is the Message-ID and the received second, whatever the folding, order and case of names', () => {
    const a = identityOf(raw('Message-ID: <a@x>\r\nSubject: Hello\r\n world\r\n\r\n'), d);
    const b = identityOf(raw('subject: Hello world\nmessage-id:   <a@x>\n\n'), d);
    expect(a).toEqual(b);
    expect(a.key).toBe(`id:<a@x>@${Math.floor(d.getTime() / 1000)}`);
    expect(identityOf(raw('Message-ID: <a@x>\r\n'), new Date(d.getTime() + 200)).key).toBe(a.key);
    expect(identityOf(raw('Message-ID: <a@x>\r\n'), new Date(d.getTime() + 1000)).key).not.toBe(a.key);
    expect(identityOf(raw('Message-ID: <b@x>\r\n'), d).key).not.toBe(a.key);
  });

  it('survives what servers change in headers: 8-bit bytes as X (Cyrus), a Message-ID added (Exchange)', () => {
    const sent = identityOf(raw('Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: Zoë <z@x>\r\nSubject: café\r\n\r\n'), d);
    const munged = identityOf(raw('Date: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: ZoX <z@x>\r\nSubject: cafX\r\n\r\n'), d);
    expect(munged.key).toBe(sent.key);
    const withId = identityOf(raw('Message-ID: <added@exchange>\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\nFrom: Zoë <z@x>\r\nSubject: café\r\n\r\n'), d);
    expect(withId.key).not.toBe(sent.key);
    expect(withId.headerKey).toBe(sent.key);
  });

  it('works without any header', () => {
    expect(identityOf(undefined, d).key).toMatch(/^h:.*@\d+$/);
    expect(identityOf(undefined, d).messageId).toBeNull();
  });
});

describe('messageIdOf', () => {
  it.each([
    ['Message-ID: <a@b>\r\n', '<a@b>'],
    ['message-id:\r\n <folded@b>\r\n', '<folded@b>'],
    ['Subject: x\r\n', null],
    ['Message-ID: \r\n', null],
  ])('%j', (h, id) => expect(messageIdOf(Buffer.from(h))).toBe(id));
});

describe('contentFingerprint', () => {
  const base = 'Message-ID: <a@x>\r\nSubject: café\r\n\r\nline one\r\nline two';
  it('is equal for the copy a server stored: final CRLF added, 8-bit header bytes as X, bare LF as CRLF, NUL as 0x80, X-MS headers added', () => {
    const fp = contentFingerprint(raw(base));
    expect(contentFingerprint(raw(`${base}\r\n`))).toBe(fp);
    expect(contentFingerprint(raw(base.replace('café', 'cafX')))).toBe(fp);
    expect(contentFingerprint(raw(base.replace('line one\r\n', 'line one\n')))).toBe(fp);
    expect(contentFingerprint(raw(base.replace('Subject', 'X-MS-Exchange-Organization-Id: 1\r\n  folded\r\nSubject')))).toBe(fp);
    expect(contentFingerprint(raw(`Return-Path: <a@x>\r\nReceived: from mx by host;\r\n\tMon, 1 Jan 2024\r\n${base}`))).toBe(fp);
    expect(contentFingerprint(raw(`${base}\u0000`))).toBe(contentFingerprint(raw(`${base}\u0080`)));
  });

  it('differs when the body or a kept header differs', () => {
    const fp = contentFingerprint(raw(base));
    expect(contentFingerprint(raw(base.replace('two', 'too')))).not.toBe(fp);
    expect(contentFingerprint(raw(base.replace('<a@x>', '<b@x>')))).not.toBe(fp);
    expect(contentFingerprint(raw(base.replace('line one\r\n', 'line one\r\n\r\n')))).not.toBe(fp);
  });

  it('handles a message without a body separator and an empty message', () => {
    expect(contentFingerprint(raw('Subject: x'))).toBe(contentFingerprint(raw('Subject: x\r\n')));
    expect(contentFingerprint(Buffer.alloc(0))).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
