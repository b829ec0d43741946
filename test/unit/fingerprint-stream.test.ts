import { describe, expect, it } from 'vitest';
import { contentFingerprint, FingerprintStream } from '../../src/main/engine/plan/message-identity.js';

/** A tiny deterministic generator, so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = ['a', 'Subject: x', '\r\n', '\n', '\r', '\r\n\r\n', '\n\n', '\0', ' folded', '\t', 'é', 'Received: y', 'X-MS-Exchange: z', ':'];

function message(r: () => number): Buffer {
  const n = Math.floor(r() * 60);
  return Buffer.from(Array.from({ length: n }, () => PIECES[Math.floor(r() * PIECES.length)]!).join(''), 'latin1');
}

function streamed(raw: Buffer, cuts: number[]): string {
  const fp = new FingerprintStream();
  let at = 0;
  for (const cut of [...cuts, raw.length]) {
    fp.update(raw.subarray(at, cut));
    at = cut;
  }
  return fp.digest();
}

describe('FingerprintStream', () => {
  it('gives contentFingerprint for every split of awkward messages (bare CR/LF, NUL, trailing line ends, no body)', () => {
    const r = rng(7);
    for (let i = 0; i < 3000; i++) {
      const raw = message(r);
      const cuts = Array.from({ length: Math.floor(r() * 5) }, () => Math.floor(r() * (raw.length + 1))).sort((a, b) => a - b);
      expect(streamed(raw, cuts), JSON.stringify(raw.toString('latin1')) + ` cut at ${cuts}`).toBe(contentFingerprint(raw));
    }
  });

  it('gives contentFingerprint for a large message split into 1 MiB pieces, header blank line across a cut', () => {
    const header = 'From: a@example.com\r\nSubject: big\r\n\r\n';
    const body = Buffer.alloc(3 * 1024 * 1024 + 17, 'x');
    body.write('\r\nline\nbare\r\n\r\n', 1000, 'latin1');
    const raw = Buffer.concat([Buffer.from(header, 'latin1'), body, Buffer.from('\r\n\r\n')]);
    const cuts = [header.length - 2, 1 << 20, 2 << 20, 3 << 20];
    expect(streamed(raw, cuts)).toBe(contentFingerprint(raw));
  });

  it('tells apart messages that differ in one body byte', () => {
    const a = Buffer.from('Subject: s\r\n\r\nbody one\r\n');
    const b = Buffer.from('Subject: s\r\n\r\nbody onE\r\n');
    expect(streamed(a, [5, 17])).not.toBe(streamed(b, [5, 17]));
  });
});
