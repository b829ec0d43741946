import { createHash } from 'node:crypto';

/** The header fields that, with size and INTERNALDATE, identify a message without its body. */
export const KEY_HEADERS = ['message-id', 'date', 'from', 'to', 'subject'];

/**
 * A body-free identity for matching a source message with a destination copy: a hash of a few header
 * fields (normalised, since servers may fold or order them differently), the size and the internal date
 * to the second. Byte-identical messages share a key; matching is therefore done as a multiset.
 */
export function messageKey(headerBlock: Buffer | undefined, size: number, internalDate: Date): string {
  const text = (headerBlock ?? Buffer.alloc(0)).toString('latin1');
  const fields = text
    .replace(/\r?\n[ \t]+/g, ' ') // unfold
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.includes(':'))
    .map((l) => {
      const i = l.indexOf(':');
      return `${l.slice(0, i).trim().toLowerCase()}:${l.slice(i + 1).replace(/\s+/g, ' ').trim()}`;
    })
    .sort();
  const h = createHash('sha256').update(fields.join('\n')).digest('base64url').slice(0, 22);
  return `${h}:${size}:${Math.floor(internalDate.getTime() / 1000)}`;
}

/** The Message-ID value of a header block, or null. */
export function messageIdOf(headerBlock: Buffer | undefined): string | null {
  if (!headerBlock) return null;
  const m = /^message-id:[ \t]*((?:.*)(?:\r?\n[ \t].*)*)/im.exec(headerBlock.toString('latin1'));
  const v = m?.[1]?.replace(/\s+/g, '').trim();
  return v ? v : null;
}

export function sha256Hex(buf: Buffer): string {
  return createHash('sha256').update(buf).digest('hex');
}
