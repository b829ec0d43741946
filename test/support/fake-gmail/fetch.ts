/**
 * FETCH and UID FETCH: UID, FLAGS, INTERNALDATE, RFC822.SIZE, X-GM-MSGID, X-GM-THRID, X-GM-LABELS,
 * BODY[...] / BODY.PEEK[...] with sections '' HEADER TEXT HEADER.FIELDS (...) HEADER.FIELDS.NOT (...)
 * and a partial range <start.length>, RFC822, RFC822.HEADER, RFC822.TEXT and the FAST macro.
 * ENVELOPE, BODYSTRUCTURE, BINARY and MODSEQ are refused with BAD (the engine does not ask for them).
 * Bodies always go out as literals, byte for byte; full bodies are counted per X-GM-MSGID.
 */
import type { Command, Token } from './parser.js';
import { tokenText } from './parser.js';
import type { Session } from './session.js';
import type { StoredMessage } from './store.js';
import { internalDate, parseSequenceSet, rangeMatcher, ResponseBuilder } from './wire.js';

type Simple = 'UID' | 'FLAGS' | 'INTERNALDATE' | 'RFC822.SIZE' | 'X-GM-MSGID' | 'X-GM-THRID' | 'X-GM-LABELS';
type Section = { part: 'full' } | { part: 'header' } | { part: 'text' } | { part: 'fields'; names: string[]; not: boolean };
type Item =
  | { kind: 'simple'; name: Simple }
  | { kind: 'body'; key: string; peek: boolean; section: Section; partial?: { start: number; length?: number } };

const SIMPLE = new Set<string>(['UID', 'FLAGS', 'INTERNALDATE', 'RFC822.SIZE', 'X-GM-MSGID', 'X-GM-THRID', 'X-GM-LABELS']);

function parseSection(text: string): { section: Section; key: string } | undefined {
  const upper = text.toUpperCase();
  if (upper === '') return { section: { part: 'full' }, key: '' };
  if (upper === 'HEADER') return { section: { part: 'header' }, key: upper };
  if (upper === 'TEXT') return { section: { part: 'text' }, key: upper };
  const m = /^HEADER\.FIELDS(\.NOT)? \((.*)\)$/is.exec(text);
  if (!m) return undefined;
  const names = [...m[2]!.matchAll(/"((?:[^"\\]|\\.)*)"|([^\s"]+)/g)].map((x) => (x[1] !== undefined ? x[1].replace(/\\(.)/g, '$1') : x[2]!));
  if (names.length === 0) return undefined;
  return { section: { part: 'fields', names, not: !!m[1] }, key: `HEADER.FIELDS${m[1] ? '.NOT' : ''} (${names.map((n) => n.toUpperCase()).join(' ')})` };
}

/** One fetch attribute -> items (FAST expands to three); a string on anything unsupported. */
function parseItem(t: Token): Item[] | string {
  const text = tokenText(t);
  if (t.kind !== 'atom' || text === undefined) return 'fetch attributes must be atoms';
  const upper = text.toUpperCase();
  if (SIMPLE.has(upper)) return [{ kind: 'simple', name: upper as Simple }];
  if (upper === 'FAST') return (['FLAGS', 'INTERNALDATE', 'RFC822.SIZE'] as const).map((name) => ({ kind: 'simple', name }));
  if (upper === 'RFC822') return [{ kind: 'body', key: 'RFC822', peek: false, section: { part: 'full' } }];
  if (upper === 'RFC822.HEADER') return [{ kind: 'body', key: 'RFC822.HEADER', peek: true, section: { part: 'header' } }];
  if (upper === 'RFC822.TEXT') return [{ kind: 'body', key: 'RFC822.TEXT', peek: false, section: { part: 'text' } }];
  const m = /^BODY(\.PEEK)?\[(.*)\](?:<(\d+)(?:\.(\d+))?>)?$/is.exec(text);
  if (!m) return `unsupported fetch attribute ${upper}`;
  const parsed = parseSection(m[2]!);
  if (!parsed) return `unsupported section ${m[2]}`;
  const item: Item = { kind: 'body', key: `BODY[${parsed.key}]`, peek: !!m[1], section: parsed.section };
  if (m[3] !== undefined) {
    item.partial = { start: Number(m[3]) };
    if (m[4] !== undefined) item.partial.length = Number(m[4]);
  }
  return [item];
}

export function splitHeader(raw: Buffer): { header: Buffer; text: Buffer } {
  if (raw.subarray(0, 2).toString('latin1') === '\r\n') return { header: raw.subarray(0, 2), text: raw.subarray(2) };
  if (raw[0] === 0x0a) return { header: raw.subarray(0, 1), text: raw.subarray(1) };
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { header: raw.subarray(0, crlf + 4), text: raw.subarray(crlf + 4) };
  if (lf >= 0) return { header: raw.subarray(0, lf + 2), text: raw.subarray(lf + 2) };
  return { header: raw, text: Buffer.alloc(0) };
}

/** The named header fields (or all but them), each with its folded lines, then an empty line. */
export function headerFields(raw: Buffer, names: string[], not: boolean): Buffer {
  const { header } = splitHeader(raw);
  const wanted = new Set(names.map((n) => n.toLowerCase()));
  const out: Buffer[] = [];
  let keep = false;
  let pos = 0;
  while (pos < header.length) {
    const lf = header.indexOf(0x0a, pos);
    const end = lf < 0 ? header.length : lf + 1;
    const line = header.subarray(pos, end);
    pos = end;
    if (line.length <= 2 && /^\r?\n$/.test(line.toString('latin1'))) break; // the blank line
    if (line[0] !== 0x20 && line[0] !== 0x09) {
      const colon = line.indexOf(0x3a);
      const name = (colon < 0 ? '' : line.subarray(0, colon).toString('latin1')).trim().toLowerCase();
      keep = colon >= 0 && wanted.has(name) !== not;
    }
    if (keep) out.push(line);
  }
  out.push(Buffer.from('\r\n'));
  return Buffer.concat(out);
}

function sectionBytes(msg: StoredMessage, section: Section): Buffer {
  if (section.part === 'full') return msg.raw;
  if (section.part === 'header') return splitHeader(msg.raw).header;
  if (section.part === 'text') return splitHeader(msg.raw).text;
  return headerFields(msg.raw, section.names, section.not);
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

export async function handleFetch(s: Session, cmd: Command, byUid: boolean): Promise<void> {
  const sel = s.selected!;
  const setText = tokenText(cmd.args[0]);
  const what = cmd.args[1];
  if (cmd.args[0]?.kind !== 'atom' || !setText || !what || cmd.args.length > 2) {
    return s.tagged(cmd.tag, cmd.args.length > 2 ? 'BAD FETCH modifiers are not supported (no CONDSTORE)' : 'BAD Could not parse command');
  }
  const items: Item[] = [];
  for (const t of what.kind === 'list' ? what.items : [what]) {
    const parsed = parseItem(t);
    if (typeof parsed === 'string') return s.tagged(cmd.tag, `BAD Could not parse command (${parsed})`);
    items.push(...parsed);
  }
  const view = sel.view;
  const max = byUid ? (view.length ? view[view.length - 1]!.uid : 0) : view.length;
  const ranges = parseSequenceSet(setText, max);
  if (!ranges) return s.tagged(cmd.tag, 'BAD Could not parse command');
  const wanted = rangeMatcher(ranges);
  const wantsUid = byUid && !items.some((i) => i.kind === 'simple' && i.name === 'UID');
  const wantsFlags = items.some((i) => i.kind === 'simple' && i.name === 'FLAGS');
  for (let i = 0; i < view.length; i++) {
    const { uid, msg } = view[i]!;
    if (!wanted(byUid ? uid : i + 1)) continue;
    if (s.byePending) return s.sendBye();
    if (s.closed) return;
    const rb = new ResponseBuilder().text(`* ${i + 1} FETCH (`);
    const parts: Array<(rb: ResponseBuilder) => void> = [];
    if (wantsUid) parts.push((r) => r.text(`UID ${uid}`));
    let markSeen = false;
    for (const item of items) {
      if (item.kind === 'simple') {
        parts.push((r) => {
          switch (item.name) {
            case 'UID': r.text(`UID ${uid}`); break;
            case 'FLAGS': r.text(`FLAGS (${[...msg.flags].join(' ')})`); break;
            case 'INTERNALDATE': r.text(`INTERNALDATE ${internalDate(msg.internalDate)}`); break;
            case 'RFC822.SIZE': r.text(`RFC822.SIZE ${msg.raw.length}`); break;
            case 'X-GM-MSGID': r.text(`X-GM-MSGID ${msg.msgid}`); break;
            case 'X-GM-THRID': r.text(`X-GM-THRID ${msg.thrid}`); break;
            case 'X-GM-LABELS': r.text(`X-GM-LABELS (${msg.labels.map((l) => s.encodeName(l)).join(' ')})`); break;
          }
        });
        continue;
      }
      if (!item.peek && !sel.readOnly && !msg.flags.has('\\Seen')) markSeen = true;
      let data = sectionBytes(msg, item.section);
      let key = item.key;
      if (item.partial) {
        const { start, length } = item.partial;
        data = data.subarray(Math.min(start, data.length), length === undefined ? undefined : Math.min(start + length, data.length));
        key += `<${start}>`;
        bump(s.ctx.stats.partialBodyFetches, msg.msgid.toString());
        if (item.section.part === 'full') s.ctx.stats.partialBodyBytes += data.length;
      } else if (item.section.part === 'full') {
        bump(s.ctx.stats.bodyFetches, msg.msgid.toString());
        s.ctx.stats.bodyBytes += data.length;
      }
      parts.push((r) => r.text(`${key} `).literal(data));
    }
    if (markSeen) {
      // A non-PEEK body fetch in a read-write folder sets \Seen (on the message, so in every folder).
      msg.flags.add('\\Seen');
      if (!wantsFlags) parts.push((r) => r.text(`FLAGS (${[...msg.flags].join(' ')})`));
    }
    parts.forEach((p, n) => {
      if (n > 0) rb.text(' ');
      p(rb);
    });
    rb.text(')');
    await s.send(rb);
  }
  if (s.byePending) return s.sendBye();
  return s.tagged(cmd.tag, 'OK Success');
}
