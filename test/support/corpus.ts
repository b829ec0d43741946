/**
 * A deterministic test mailbox: the same seed always gives the same bytes, placements, flags and dates
 * (no Math.random, no clock). Messages are RFC 5322 with CRLF line endings.
 *
 * Every corpus of CORPUS_MIN_COUNT (30) or more messages contains, at fixed-by-seed positions, the cases
 * a migration gets wrong (see `tags` on each message): 'no-message-id' (2), 'shared-message-id' (two
 * different messages, one Message-ID), 'identical-pair' (two byte-identical messages, same folder,
 * flags and date), 'empty-body' (headers + blank line, nothing after), 'three-labels', 'archived',
 * 'sent', 'drafts', 'trash', 'spam', 'flagged', 'important', 'custom-keyword', 'unicode-subject',
 * 'large'; every label of CORPUS_LABELS is used at least once. Smaller corpora get as many as fit.
 * Profiles: 'small' is mostly 1-30 KB plus two 1-3 MB messages (fast integration tests); 'realistic'
 * averages roughly 120-140 KB with about one 10-25 MB message per 300 (benchmarks).
 * Internal dates (whole seconds) run from 2005 to 2025 in ascending order; Date headers use varied
 * offsets and precede the internal date by up to 10 minutes.
 */

export type CorpusProfile = 'small' | 'realistic';
export type SystemPlacement = 'sent' | 'drafts' | 'trash' | 'spam' | 'archived';

export interface CorpusMessage {
  /** Position in the corpus (0-based), stable for a seed. */
  index: number;
  raw: Buffer;
  placement: {
    /** Gmail labels as "/" paths; 'INBOX' is a label. Empty for archived, trash and spam messages. */
    labels: string[];
    system?: SystemPlacement;
  };
  /** IMAP flags and keywords: \Seen \Answered \Flagged \Draft, $Forwarded $Junk $Important custom_kw... */
  flags: string[];
  internalDate: Date;
  /** The Message-ID header value (with angle brackets), or undefined when the message has none. */
  messageId: string | undefined;
  /** Decoded Subject. */
  subject: string;
  /** Which special cases this message stands for (see the file comment). */
  tags: string[];
}

export interface CorpusOptions {
  seed: number | string;
  count: number;
  profile: CorpusProfile;
  /** Upper bound for any one message, MB (1 MB = 1,048,576 bytes). */
  maxSizeMB?: number;
}

export const CORPUS_MIN_COUNT = 30;

/** Labels the generator uses: hierarchy, spaces, non-ASCII, '&', and a '.' that Maildir++ cannot hold. */
export const CORPUS_LABELS = [
  'INBOX', 'Work', 'Work/Projects', 'Work/Projects/2024', 'Receipts', 'Reçus/2024', 'Projets été',
  'Family & Friends', 'Travel plans', '日本語ラベル', 'Newsletters', 'Clients/acme.com',
] as const;

export const CORPUS_KEYWORDS = ['$Forwarded', '$Important', '$Junk', '$NotJunk', 'custom_kw', 'Later'] as const;

/** The account the corpus belongs to (From of sent mail). */
export const CORPUS_OWNER = 'alice@example.com';

// ---------- deterministic randomness ----------

/** sfc32 seeded from a string hash: fast, good enough, and identical on every platform. */
export class Prng {
  #a: number; #b: number; #c: number; #d: number;
  constructor(seed: number | string) {
    let h = 1779033703 ^ String(seed).length;
    const s = String(seed);
    for (let i = 0; i < s.length; i++) {
      h = Math.imul(h ^ s.charCodeAt(i), 3432918353);
      h = (h << 13) | (h >>> 19);
    }
    const next = (): number => {
      h = Math.imul(h ^ (h >>> 16), 2246822507);
      h = Math.imul(h ^ (h >>> 13), 3266489909);
      return (h ^= h >>> 16) >>> 0;
    };
    this.#a = next(); this.#b = next(); this.#c = next(); this.#d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.#a + this.#b) | 0) + this.#d) | 0;
    this.#d = (this.#d + 1) | 0;
    this.#a = this.#b ^ (this.#b >>> 9);
    this.#b = (this.#c + (this.#c << 3)) | 0;
    this.#c = (this.#c << 21) | (this.#c >>> 11);
    this.#c = (this.#c + t) | 0;
    return t >>> 0;
  }
  float(): number { return this.u32() / 4294967296; }
  int(min: number, max: number): number { return min + Math.floor(this.float() * (max - min + 1)); }
  chance(p: number): boolean { return this.float() < p; }
  pick<T>(items: readonly T[]): T { return items[Math.floor(this.float() * items.length)]!; }
  /** Log-uniform between min and max: many small values, a long tail. */
  logUniform(min: number, max: number): number { return Math.round(min * Math.pow(max / min, this.float())); }
  bytes(n: number): Buffer {
    const words = new Uint32Array(Math.ceil(n / 4));
    for (let i = 0; i < words.length; i++) words[i] = this.u32();
    return Buffer.from(words.buffer, 0, n);
  }
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.float() * (i + 1));
      [items[i], items[j]] = [items[j]!, items[i]!];
    }
    return items;
  }
}

// ---------- header encoding ----------

/** RFC 2047 encoded words (B or Q), each at most 75 characters, split on character boundaries. */
export function encodeWords(text: string, mode: 'B' | 'Q'): string[] {
  if (/^[\x20-\x7e]*$/.test(text)) return [text];
  const words: string[] = [];
  let chunk = '';
  const encode = (s: string): string =>
    mode === 'B'
      ? Buffer.from(s, 'utf8').toString('base64')
      : [...Buffer.from(s, 'utf8')].map((b) => (b === 0x20 ? '_' : /[A-Za-z0-9]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `=${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');
  for (const ch of text) {
    if (encode(chunk + ch).length > 75 - 12) {
      words.push(`=?UTF-8?${mode}?${encode(chunk)}?=`);
      chunk = '';
    }
    chunk += ch;
  }
  if (chunk) words.push(`=?UTF-8?${mode}?${encode(chunk)}?=`);
  return words;
}

function header(name: string, words: string[]): string {
  return `${name}: ${words.join('\r\n ')}\r\n`;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** RFC 5322 date of `date` as seen in a zone `offsetMinutes` east of UTC. */
export function rfc5322Date(date: Date, offsetMinutes: number): string {
  const d = new Date(date.getTime() + offsetMinutes * 60_000);
  const p = (n: number): string => String(n).padStart(2, '0');
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${DAYS[d.getUTCDay()]}, ${p(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} ${sign}${p(Math.floor(abs / 60))}${p(abs % 60)}`;
}

// ---------- content ----------

const OFFSETS = [-600, -480, -420, -300, -240, -210, -180, 0, 0, 60, 120, 180, 330, 345, 480, 540, 600, 765];
const PEOPLE: ReadonlyArray<[string, string]> = [
  ['Bob Martin', 'bob@example.org'], ['José Álvarez', 'jose@example.es'], ['Zoë Ångström', 'zoe@example.se'],
  ['田中 太郎', 'tanaka@example.jp'], ['Ольга Петрова', 'olga@example.ru'], ['Carol White', 'carol@example.com'],
  ['Newsletter', 'news@lists.example.net'], ['Support Team', 'support@shop.example.com'],
];
const ASCII_SUBJECTS = ['Quarterly report', 'Meeting notes', 'Re: lunch on Friday?', 'Invoice #4821', 'Weekly digest',
  'Your order has shipped', 'Fwd: photos from the trip', 'Draft proposal v2', 'Password reset', 'Team offsite agenda'];
const UNICODE_SUBJECTS = ["Réunion d'équipe à 14h", 'Reçu de paiement — été 2024', '日本語の件名テスト', 'Привет из Москвы',
  '🚀 Launch day! 🎉', 'Grüße aus München', 'Ελληνικά θέμα', 'Emoji in the middle 📎 of a subject that is long enough to fold across lines'];
const WORDS = 'the of and to in is for on that with as by this from at be are was it an or have not mail server folder message label archive sync copy resume ledger quota token'.split(' ');
const UNICODE_WORDS = ['été', 'naïve', 'Straße', 'café', '日本', 'привет', 'ελληνικά', 'übermorgen', 'façade', '😀'];

function filler(rng: Prng, bytes: number, unicode: boolean): string {
  const lines: string[] = [];
  let size = 0;
  while (size < bytes) {
    let line = '';
    while (line.length < 60) line += (line ? ' ' : '') + (unicode && rng.chance(0.15) ? rng.pick(UNICODE_WORDS) : rng.pick(WORDS));
    lines.push(line);
    size += Buffer.byteLength(line) + 2;
  }
  return lines.join('\r\n') + '\r\n';
}

function base64Lines(data: Buffer): string {
  const b64 = data.toString('base64');
  const out: string[] = [];
  for (let i = 0; i < b64.length; i += 76) out.push(b64.slice(i, i + 76));
  return out.join('\r\n') + '\r\n';
}

interface Draft {
  placement: CorpusMessage['placement'];
  flags: string[];
  tags: string[];
  internalDate: Date;
  size: number;
  subject: string;
  messageId: string | undefined;
  emptyBody: boolean;
}

function build(rng: Prng, d: Draft, index: number): Buffer {
  const sent = d.placement.system === 'sent' || d.placement.system === 'drafts';
  const other = rng.pick(PEOPLE);
  const person = (p: readonly [string, string]): string => `${encodeWords(p[0], 'B').join(' ')} <${p[1]}>`;
  const from = sent ? `Alice Example <${CORPUS_OWNER}>` : person(other);
  const to = sent ? person(other) : `Alice Example <${CORPUS_OWNER}>`;
  const dateHeader = new Date(d.internalDate.getTime() - rng.int(0, 600) * 1000);
  let head = `From: ${from}\r\nTo: ${to}\r\n` + header('Subject', encodeWords(d.subject, rng.chance(0.5) ? 'B' : 'Q')) +
    `Date: ${rfc5322Date(dateHeader, rng.pick(OFFSETS))}\r\n`;
  if (d.messageId) head += `Message-ID: ${d.messageId}\r\n`;
  if (rng.chance(0.2)) head += `In-Reply-To: <thread-${rng.u32().toString(36)}@example.org>\r\n`;
  head += `MIME-Version: 1.0\r\nX-Mailferry-Corpus: ${index}\r\n`;
  if (d.emptyBody) return Buffer.from(head + 'Content-Type: text/plain; charset=utf-8\r\n\r\n', 'utf8');
  const unicode = rng.chance(0.3);
  const budget = Math.max(200, d.size - Buffer.byteLength(head) - 200);
  if (budget < 6000 || (budget < 40_000 && rng.chance(0.6))) {
    return Buffer.from(head + `Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: ${unicode ? '8bit' : '7bit'}\r\n\r\n` +
      filler(rng, budget, unicode), 'utf8');
  }
  const boundary = `mf-${index}-${rng.u32().toString(36)}`;
  const textSize = Math.min(budget / 4, rng.int(500, 4000));
  const text = filler(rng, textSize, unicode);
  let body = `Content-Type: multipart/mixed; boundary="${boundary}"\r\n\r\nThis is a multi-part message in MIME format.\r\n` +
    `--${boundary}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${text}`;
  const [type, ext] = rng.pick([['application/pdf', 'pdf'], ['image/jpeg', 'jpg'], ['application/zip', 'zip']] as const);
  const name = rng.chance(0.3) ? `Résumé ${index}.${ext}` : `attachment-${index}.${ext}`;
  const attachmentBytes = Math.max(16, Math.floor(((budget - Buffer.byteLength(text) - 300) * 3) / 4 * (76 / 78)));
  body += `--${boundary}\r\nContent-Type: ${type}; name="${encodeWords(name, 'B').join(' ')}"\r\n` +
    `Content-Disposition: attachment; filename="${encodeWords(name, 'B').join(' ')}"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
    base64Lines(rng.bytes(attachmentBytes)) + `--${boundary}--\r\n`;
  return Buffer.from(head + body, 'utf8');
}

// ---------- placement, flags, sizes ----------

function randomPlacement(rng: Prng): { placement: CorpusMessage['placement']; flags: string[] } {
  const labels = CORPUS_LABELS.filter((l) => l !== 'INBOX');
  const r = rng.float();
  const flags: string[] = [];
  let placement: CorpusMessage['placement'];
  if (r < 0.4) placement = { labels: rng.chance(0.2) ? ['INBOX', rng.pick(labels)] : ['INBOX'] };
  else if (r < 0.65) placement = { labels: [rng.pick(labels)] };
  else if (r < 0.72) placement = { labels: [...new Set([rng.pick(CORPUS_LABELS), rng.pick(labels), rng.pick(labels)])] };
  else if (r < 0.8) placement = { labels: [], system: 'archived' };
  else if (r < 0.89) placement = { labels: rng.chance(0.2) ? [rng.pick(labels)] : [], system: 'sent' };
  else if (r < 0.92) placement = { labels: [], system: 'drafts' };
  else if (r < 0.96) placement = { labels: [], system: 'trash' };
  else placement = { labels: [], system: 'spam' };
  const sys = placement.system;
  if (sys === 'drafts') flags.push('\\Draft');
  else if (sys === 'sent' || rng.chance(0.7)) flags.push('\\Seen');
  if (sys !== 'drafts' && rng.chance(0.1)) flags.push('\\Answered');
  if (rng.chance(0.08)) flags.push('\\Flagged');
  if (rng.chance(0.05)) flags.push('$Forwarded');
  if (sys !== 'spam' && rng.chance(0.15)) flags.push('$Important');
  if (sys === 'spam' && rng.chance(0.5)) flags.push('$Junk');
  if (rng.chance(0.04)) flags.push(rng.pick(['custom_kw', 'Later', '$NotJunk']));
  return { placement, flags };
}

function randomSize(rng: Prng, profile: CorpusProfile): number {
  if (profile === 'small') return rng.logUniform(1024, 30 * 1024);
  const r = rng.float();
  if (r < 0.67) return rng.logUniform(1024, 25 * 1024);
  if (r < 0.94) return rng.logUniform(20 * 1024, 250 * 1024);
  return rng.logUniform(250 * 1024, 1024 * 1024);
}

const MB = 1024 * 1024;

/** Force the special cases onto chosen drafts. Each entry edits one draft; run in order of priority. */
function applySpecials(rng: Prng, drafts: Draft[], profile: CorpusProfile, seedTag: string): void {
  const n = drafts.length;
  const slots = rng.shuffle([...Array(n).keys()]);
  let next = 0;
  const take = (): Draft | undefined => (next < slots.length ? drafts[slots[next++]!] : undefined);
  const set = (d: Draft | undefined, tag: string, edit: (d: Draft) => void): void => {
    if (!d) return;
    edit(d);
    d.tags.push(tag);
  };
  const largeCount = profile === 'small' ? (n >= 20 ? 2 : 0) : n >= 20 ? Math.max(1, Math.round(n / 300)) : 0;
  for (let i = 0; i < largeCount; i++) {
    set(take(), 'large', (d) => {
      d.size = profile === 'small' ? rng.int(1 * MB, 3 * MB) : i === 0 ? rng.int(20 * MB, 24 * MB) : rng.int(10 * MB, 20 * MB);
    });
  }
  set(take(), 'empty-body', (d) => { d.emptyBody = true; });
  set(take(), 'three-labels', (d) => { d.placement = { labels: ['INBOX', 'Work', 'Reçus/2024'] }; });
  for (const system of ['archived', 'archived', 'sent', 'drafts', 'trash', 'spam'] as const) {
    set(take(), system, (d) => {
      d.placement = { labels: [], system };
      d.flags = system === 'drafts' ? ['\\Draft'] : ['\\Seen'];
    });
  }
  set(take(), 'flagged', (d) => { if (!d.flags.includes('\\Flagged')) d.flags.push('\\Flagged'); });
  set(take(), 'flagged', (d) => { d.placement = { labels: ['Travel plans'] }; if (!d.flags.includes('\\Flagged')) d.flags.push('\\Flagged'); });
  set(take(), 'important', (d) => { if (!d.flags.includes('$Important')) d.flags.push('$Important'); });
  set(take(), 'custom-keyword', (d) => { d.placement = { labels: ['Projets été'] }; d.flags = ['\\Seen', 'custom_kw', '$Forwarded']; });
  set(take(), 'unicode-subject', (d) => { d.subject = UNICODE_SUBJECTS[0]!; });
  set(take(), 'unicode-subject', (d) => { d.subject = UNICODE_SUBJECTS[2]!; });
  set(take(), 'no-message-id', (d) => { d.messageId = undefined; });
  set(take(), 'no-message-id', (d) => { d.messageId = undefined; d.placement = { labels: ['INBOX'] }; });
  const shared = `<shared-${seedTag}@example.org>`;
  set(take(), 'shared-message-id', (d) => { d.messageId = shared; d.subject = 'Shared Message-ID, first'; });
  set(take(), 'shared-message-id', (d) => { d.messageId = shared; d.subject = 'Shared Message-ID, second'; });
  for (const label of CORPUS_LABELS) {
    if (drafts.some((d) => d.placement.labels.includes(label))) continue;
    set(take(), `label:${label}`, (d) => { d.placement = { labels: [label] }; });
  }
}

export function generateCorpus(opts: CorpusOptions): CorpusMessage[] {
  const rng = new Prng(`${opts.seed}|${opts.profile}`);
  const maxBytes = opts.maxSizeMB !== undefined ? Math.floor(opts.maxSizeMB * MB) : Infinity;
  const start = Date.UTC(2005, 0, 1) / 1000;
  const end = Date.UTC(2025, 11, 31) / 1000;
  const times = Array.from({ length: opts.count }, () => rng.int(start, end)).sort((a, b) => a - b);
  const seedTag = String(opts.seed).replace(/[^A-Za-z0-9]/g, '') || 'x';
  const drafts: Draft[] = times.map((t, i) => {
    const { placement, flags } = randomPlacement(rng);
    return {
      placement, flags, tags: [], internalDate: new Date(t * 1000), size: randomSize(rng, opts.profile),
      subject: rng.chance(0.25) ? rng.pick(UNICODE_SUBJECTS) : rng.pick(ASCII_SUBJECTS),
      messageId: `<${seedTag}.${i}.${rng.u32().toString(36)}@mail.example.org>`, emptyBody: false,
    };
  });
  applySpecials(rng, drafts, opts.profile, seedTag);
  const messages = drafts.map((d, index): CorpusMessage => {
    d.size = Math.min(d.size, maxBytes);
    let raw = build(rng, d, index);
    if (raw.length > maxBytes && !d.emptyBody) raw = build(rng, { ...d, size: Math.floor(d.size * 0.9) - 2048 }, index);
    return { index, raw, placement: d.placement, flags: d.flags, internalDate: d.internalDate, messageId: d.messageId, subject: d.subject, tags: d.tags };
  });
  // Two byte-identical messages in one folder: the copy takes everything from the original.
  if (messages.length >= 2 && messages.length >= CORPUS_MIN_COUNT) {
    const original = messages.find((m) => m.tags.length === 0 && m.placement.labels.length === 1 && !m.placement.system && m.raw.length < 64 * 1024);
    // The copy overwrites an untagged INBOX-only message, so no label or special case goes missing.
    const copySlot = messages.findLast((m) => m.tags.length === 0 && m !== original && !m.placement.system &&
      m.placement.labels.length === 1 && m.placement.labels[0] === 'INBOX');
    if (original && copySlot) {
      original.tags.push('identical-pair');
      messages[copySlot.index] = {
        ...original, index: copySlot.index, raw: Buffer.from(original.raw), placement: { labels: [...original.placement.labels] },
        flags: [...original.flags], tags: ['identical-pair'],
      };
    }
  }
  return messages;
}

export interface CorpusStats {
  count: number;
  totalBytes: number;
  averageBytes: number;
  largestBytes: number;
}

export function corpusStats(corpus: readonly CorpusMessage[]): CorpusStats {
  const totalBytes = corpus.reduce((sum, m) => sum + m.raw.length, 0);
  return {
    count: corpus.length,
    totalBytes,
    averageBytes: corpus.length ? Math.round(totalBytes / corpus.length) : 0,
    largestBytes: corpus.reduce((max, m) => Math.max(max, m.raw.length), 0),
  };
}
