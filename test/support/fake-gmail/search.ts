/**
 * SEARCH and UID SEARCH over the selected folder's snapshot, with ESEARCH's RETURN (MIN MAX COUNT ALL).
 * Keys: ALL, sequence sets, UID, flag keys (SEEN UNSEEN FLAGGED ... KEYWORD UNKEYWORD), LARGER,
 * SMALLER, BEFORE/ON/SINCE (internal date), HEADER and FROM/TO/CC/BCC/SUBJECT (substring of the
 * unfolded field, case-insensitive), BODY/TEXT (substring of the raw message), X-GM-MSGID,
 * X-GM-THRID, X-GM-LABELS, NOT, OR, parenthesised groups, and a leading CHARSET. X-GM-RAW is refused.
 */
import { headerFields, splitHeader } from './fetch.js';
import type { Command, Token } from './parser.js';
import { tokenText } from './parser.js';
import type { Session } from './session.js';
import type { StoredMessage } from './store.js';
import { formatSequenceSet, parseSearchDate, parseSequenceSet, quoted, rangeMatcher } from './wire.js';

interface Candidate {
  seq: number;
  uid: number;
  msg: StoredMessage;
}

type Predicate = (c: Candidate) => boolean;

const FLAG_KEYS: Record<string, [string, boolean]> = {
  ANSWERED: ['\\Answered', true], UNANSWERED: ['\\Answered', false], DELETED: ['\\Deleted', true], UNDELETED: ['\\Deleted', false],
  DRAFT: ['\\Draft', true], UNDRAFT: ['\\Draft', false], FLAGGED: ['\\Flagged', true], UNFLAGGED: ['\\Flagged', false],
  SEEN: ['\\Seen', true], UNSEEN: ['\\Seen', false], OLD: ['\\Recent', false], NEW: ['\\Recent', true], RECENT: ['\\Recent', true],
};

const ADDRESS_KEYS = new Set(['FROM', 'TO', 'CC', 'BCC', 'SUBJECT']);

function utf8(t: Token | undefined): string | undefined {
  const text = tokenText(t);
  return text === undefined ? undefined : Buffer.from(text, 'latin1').toString('utf8');
}

function headerContains(msg: StoredMessage, field: string, needle: string): boolean {
  const fields = headerFields(msg.raw, [field], false).toString('utf8');
  if (fields === '\r\n') return false;
  const values = fields.replace(/\r?\n[ \t]/g, ' ').split(/\r?\n/).filter((l) => l !== '').map((l) => l.slice(l.indexOf(':') + 1));
  return values.some((v) => v.toLowerCase().includes(needle.toLowerCase()));
}

/** Parses search keys from `tokens[pos]` on; returns the predicate and the next position, or an error. */
class KeyParser {
  pos = 0;
  constructor(private readonly s: Session, private readonly tokens: Token[], private readonly max: { seq: number; uid: number }) {}

  error: string | undefined;

  fail(message: string): Predicate {
    this.error ??= message;
    return () => false;
  }

  all(): Predicate {
    const preds: Predicate[] = [];
    while (this.pos < this.tokens.length && !this.error) preds.push(this.one());
    return (c) => preds.every((p) => p(c));
  }

  one(): Predicate {
    const t = this.tokens[this.pos++];
    if (!t) return this.fail('missing search key');
    if (t.kind === 'list') {
      const sub = new KeyParser(this.s, t.items, this.max);
      const p = sub.all();
      if (sub.error) return this.fail(sub.error);
      return p;
    }
    const key = tokenText(t)!.toUpperCase();
    const arg = (): Token | undefined => this.tokens[this.pos++];
    if (t.kind === 'atom' && /^[\d*]/.test(key)) {
      const ranges = parseSequenceSet(key, this.max.seq);
      if (!ranges) return this.fail(`bad sequence set ${key}`);
      const has = rangeMatcher(ranges);
      return (c) => has(c.seq);
    }
    if (key === 'ALL') return () => true;
    if (FLAG_KEYS[key]) {
      const [flag, present] = FLAG_KEYS[key];
      return (c) => c.msg.flags.has(flag) === present;
    }
    switch (key) {
      case 'UID': {
        const ranges = parseSequenceSet(tokenText(arg()) ?? '', this.max.uid);
        if (!ranges) return this.fail('bad UID set');
        const has = rangeMatcher(ranges);
        return (c) => has(c.uid);
      }
      case 'KEYWORD':
      case 'UNKEYWORD': {
        const kw = tokenText(arg());
        if (kw === undefined) return this.fail('missing keyword');
        return (c) => [...c.msg.flags].some((f) => f.toLowerCase() === kw.toLowerCase()) === (key === 'KEYWORD');
      }
      case 'LARGER':
      case 'SMALLER': {
        const n = Number(tokenText(arg()));
        if (!Number.isInteger(n)) return this.fail('bad size');
        return key === 'LARGER' ? (c) => c.msg.raw.length > n : (c) => c.msg.raw.length < n;
      }
      case 'BEFORE':
      case 'ON':
      case 'SINCE': {
        const day = parseSearchDate(tokenText(arg()) ?? '');
        if (!day) return this.fail('bad date');
        const at = (c: Candidate): number => c.msg.internalDate.getTime();
        if (key === 'BEFORE') return (c) => at(c) < day[0];
        if (key === 'ON') return (c) => at(c) >= day[0] && at(c) < day[1];
        return (c) => at(c) >= day[0];
      }
      case 'HEADER': {
        const field = utf8(arg());
        const value = utf8(arg());
        if (field === undefined || value === undefined) return this.fail('HEADER needs a field and a value');
        return (c) => headerContains(c.msg, field, value);
      }
      case 'BODY':
      case 'TEXT': {
        const value = utf8(arg());
        if (value === undefined) return this.fail(`${key} needs a value`);
        const needle = value.toLowerCase();
        return (c) => (key === 'BODY' ? splitHeader(c.msg.raw).text : c.msg.raw).toString('utf8').toLowerCase().includes(needle);
      }
      case 'X-GM-MSGID':
      case 'X-GM-THRID': {
        const text = tokenText(arg()) ?? '';
        if (!/^\d+$/.test(text)) return this.fail(`bad ${key}`);
        const id = BigInt(text);
        return key === 'X-GM-MSGID' ? (c) => c.msg.msgid === id : (c) => c.msg.thrid === id;
      }
      case 'X-GM-LABELS': {
        const label = this.s.decodeName(arg());
        if (label === undefined) return this.fail('X-GM-LABELS needs a label');
        return (c) => c.msg.labels.some((l) => l.toLowerCase() === label.toLowerCase());
      }
      case 'NOT': {
        const p = this.one();
        return (c) => !p(c);
      }
      case 'OR': {
        const a = this.one();
        const b = this.one();
        return (c) => a(c) || b(c);
      }
      default:
        if (ADDRESS_KEYS.has(key)) {
          const value = utf8(arg());
          if (value === undefined) return this.fail(`${key} needs a value`);
          return (c) => headerContains(c.msg, key, value);
        }
        return this.fail(`unsupported search key ${key}`);
    }
  }
}

export async function handleSearch(s: Session, cmd: Command, byUid: boolean): Promise<void> {
  const view = s.selected!.view;
  const tokens = [...cmd.args];
  let returnOpts: string[] | undefined;
  if (tokenText(tokens[0])?.toUpperCase() === 'RETURN') {
    const list = tokens[1];
    if (list?.kind !== 'list') return s.tagged(cmd.tag, 'BAD Could not parse command');
    returnOpts = list.items.map((t) => tokenText(t)?.toUpperCase() ?? '');
    if (returnOpts.some((o) => !['MIN', 'MAX', 'COUNT', 'ALL'].includes(o))) return s.tagged(cmd.tag, 'BAD Unsupported RETURN option (ESEARCH: MIN MAX COUNT ALL)');
    if (returnOpts.length === 0) returnOpts = ['ALL'];
    tokens.splice(0, 2);
  }
  if (tokenText(tokens[0])?.toUpperCase() === 'CHARSET') {
    const charset = tokenText(tokens[1])?.toUpperCase();
    if (charset !== 'UTF-8' && charset !== 'US-ASCII') return s.tagged(cmd.tag, 'NO [BADCHARSET (UTF-8 US-ASCII)] Unsupported charset (Failure)');
    tokens.splice(0, 2);
  }
  if (tokens.length === 0) return s.tagged(cmd.tag, 'BAD Could not parse command');
  const parser = new KeyParser(s, tokens, { seq: view.length, uid: view.length ? view[view.length - 1]!.uid : 0 });
  const pred = parser.all();
  if (parser.error) return s.tagged(cmd.tag, `BAD Could not parse command (${parser.error})`);
  // Ascending: the view is in UID order, which is also sequence order.
  const hits = view.map((v, i) => ({ seq: i + 1, uid: v.uid, msg: v.msg })).filter(pred).map((c) => (byUid ? c.uid : c.seq));
  if (!returnOpts) {
    await s.untagged(`SEARCH${hits.map((n) => ` ${n}`).join('')}`);
  } else {
    let line = `ESEARCH (TAG ${quoted(cmd.tag)})${byUid ? ' UID' : ''}`;
    if (hits.length && returnOpts.includes('MIN')) line += ` MIN ${hits[0]}`;
    if (hits.length && returnOpts.includes('MAX')) line += ` MAX ${hits[hits.length - 1]}`;
    if (hits.length && returnOpts.includes('ALL')) line += ` ALL ${formatSequenceSet(hits)}`;
    if (returnOpts.includes('COUNT')) line += ` COUNT ${hits.length}`;
    await s.untagged(line);
  }
  return s.tagged(cmd.tag, 'OK SEARCH completed (Success)');
}
