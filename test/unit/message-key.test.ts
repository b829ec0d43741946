import { describe, expect, it } from 'vitest';
import { messageIdOf, messageKey } from '../../src/main/engine/message-key.js';

const d = new Date('2020-02-03T04:05:06.789Z');

describe('messageKey', () => {
  it('ignores folding, header order and case of names', () => {
    const a = Buffer.from('Message-ID: <a@x>\r\nSubject: Hello\r\n world\r\n\r\n');
    const b = Buffer.from('subject: Hello world\nmessage-id:   <a@x>\n\n');
    expect(messageKey(a, 100, d)).toBe(messageKey(b, 100, d));
  });

  it('differs by size, second of the date and header content', () => {
    const h = Buffer.from('Message-ID: <a@x>\r\n\r\n');
    const base = messageKey(h, 100, d);
    expect(messageKey(h, 101, d)).not.toBe(base);
    expect(messageKey(h, 100, new Date(d.getTime() + 1000))).not.toBe(base);
    expect(messageKey(h, 100, new Date(d.getTime() + 200))).toBe(base);
    expect(messageKey(Buffer.from('Message-ID: <b@x>\r\n\r\n'), 100, d)).not.toBe(base);
  });

  it('works without any header', () => {
    expect(messageKey(undefined, 0, d)).toMatch(/:0:\d+$/);
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
