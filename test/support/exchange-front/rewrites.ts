/**
 * Dovecot's response lines made into Exchange's (pure). Literal bytes never pass through here: the FETCH
 * rewrite only changes the announced size, and the relay puts the added header block in front of the bytes.
 */
import { exchangePermanentFlags } from '../line-rewrite-proxy.js';
import { EXCHANGE, EXCHANGE_GUESSED } from './strings.js';

/** An untagged or continuation line outside FETCH responses. `specialUse`: folder name -> LIST attribute. */
export function rewriteResponseLine(line: string, specialUse: ReadonlyMap<string, string>): string {
  if (line.startsWith('+')) return `${EXCHANGE_GUESSED.idling}\r\n`; // the front only relays IDLE's "+"
  if (/^\* CAPABILITY /i.test(line)) return `* CAPABILITY ${EXCHANGE.capabilityAfterSignIn}\r\n`;
  if (/^\* FLAGS \(/i.test(line)) return `* FLAGS (${EXCHANGE.permanentFlags})\r\n`;
  const list = /^(\* LIST \()([^)]*)(\) \S+ )("(?:[^"\\]|\\.)*"|[^\s"{]+)\r\n$/i.exec(line);
  if (list) {
    const name = list[4]!.startsWith('"') ? list[4]!.slice(1, -1).replace(/\\(.)/g, '$1') : list[4]!;
    const attribute = specialUse.get(name);
    if (attribute && !list[2]!.split(' ').includes(attribute)) {
      return `${list[1]}${[list[2], attribute].filter(Boolean).join(' ')}${list[3]}${list[4]}\r\n`;
    }
    return line;
  }
  return exchangePermanentFlags(withExchangeCapability(line));
}

/** `[CAPABILITY ...]` response codes announce Exchange's set. */
function withExchangeCapability(line: string): string {
  return line.replace(/\[CAPABILITY [^\]]*\]/i, `[CAPABILITY ${EXCHANGE.capabilityAfterSignIn}]`);
}

/** Dovecot's tagged OK ("Select completed (0.001 + 0.000 secs).") in Exchange's words; NO/BAD as they are. */
export function rewriteTaggedLine(line: string, command: string): string {
  const ok = /^(\S+) OK( \[[^\]]*\])?/i.exec(line);
  if (!ok) return line;
  return `${ok[1]} ${withExchangeCapability(`OK${ok[2] ?? ''}`)} ${EXCHANGE_GUESSED.completed(command.replace(/^UID /, ''))}\r\n`;
}

/**
 * A line of a FETCH response: RFC822.SIZE grows by `extra`, and a whole-message or header literal
 * (BODY[], RFC822, BODY[HEADER], RFC822.HEADER) is announced `extra` bytes longer; `rebuilt` says the
 * relay must write the added header block first. Partial fetches (BODY[]<n>) are left as stored.
 */
export function rewriteFetchLine(line: string, extra: number): { line: string; rebuilt: boolean } {
  const sized = line.replace(/(^|[ (])RFC822\.SIZE (\d+)/i, (_, lead: string, n: string) => `${lead}RFC822.SIZE ${Number(n) + extra}`);
  const body = /(^|[ (])(BODY\[(?:HEADER)?\]|RFC822(?:\.HEADER)?) \{(\d+)\}\r\n$/i.exec(sized);
  if (!body) return { line: sized, rebuilt: false };
  return { line: `${sized.slice(0, body.index)}${body[1]}${body[2]} {${Number(body[3]) + extra}}\r\n`, rebuilt: true };
}
