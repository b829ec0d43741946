/**
 * A proxy that rewrites whole server lines, for behaviour a real Dovecot cannot be configured to show
 * (a folder whose PERMANENTFLAGS keep no keywords, as Exchange's; a size the server announces wrongly).
 * Literals pass through untouched; a line is forwarded once complete, so a rewrite always sees the whole
 * line, and one that announces a literal must keep its "{n}".
 */
import { ImapStreamParser } from './fault-proxy.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

export interface LineRewriteOptions {
  targetPort: number;
  /** Returns the line to send instead (with its CRLF), or the same line. */
  toClient: (line: string) => string;
}

export async function startLineRewriteProxy(opts: LineRewriteOptions): Promise<TcpProxy & { rewritten: number }> {
  const parsers = new Map<number, ImapStreamParser>();
  let rewritten = 0;
  const proxy = await startTcpProxy({
    targetPort: opts.targetPort,
    transform: (direction, chunk, conn) => {
      if (direction === 'toServer') return chunk;
      const parser = parsers.get(conn.id) ?? parsers.set(conn.id, new ImapStreamParser()).get(conn.id)!;
      const out: Buffer[] = [];
      for (const e of parser.push(chunk)) {
        if (e.type === 'line' && e.start) {
          const line = e.data.toString('latin1');
          const next = opts.toClient(line);
          if (next !== line) rewritten++;
          out.push(Buffer.from(next, 'latin1'));
        } else out.push(e.data);
      }
      return Buffer.concat(out);
    },
  });
  return {
    port: proxy.port,
    stats: proxy.stats,
    connections: proxy.connections,
    close: () => proxy.close(),
    get rewritten() {
      return rewritten;
    },
  };
}

/** PERMANENTFLAGS as Exchange Online announces them: the system flags and $MDNSent, no other keyword, no \*. */
export function exchangePermanentFlags(line: string): string {
  return line.replace(/^\* OK \[PERMANENTFLAGS \([^)]*\)\]/i, '* OK [PERMANENTFLAGS (\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent)]');
}
