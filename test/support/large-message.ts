/**
 * Corpus messages of a chosen size (MB), for the large-message paths: a small corpus message padded with a
 * base64 body part, so the bytes look like an attachment and the header stays a real one.
 */
import { generateCorpus, type CorpusMessage } from './corpus.js';

export function largeMessages(seed: string, specs: ReadonlyArray<{ mb: number; labels?: string[] }>, firstIndex = 1_000_000): CorpusMessage[] {
  const base = generateCorpus({ seed, count: Math.max(specs.length, 1), profile: 'small', maxSizeMB: 0.01 });
  return specs.map((spec, i) => {
    const m = base[i]!;
    const text = m.raw.toString('latin1');
    const body = text.indexOf('\r\n\r\n');
    const pad = Buffer.alloc(Math.floor((spec.mb * 1024 * 1024 * 3) / 4), i + 1).toString('base64').replace(/.{76}/g, '$&\r\n');
    const raw = Buffer.from(`${text.slice(0, body)}\r\nX-Padding: ${spec.mb} MB\r\n\r\n${text.slice(body + 4)}\r\n${pad}\r\n`, 'latin1');
    return { ...m, index: firstIndex + i, raw, placement: { labels: spec.labels ?? ['INBOX'] }, tags: [...m.tags, 'large'] };
  });
}
