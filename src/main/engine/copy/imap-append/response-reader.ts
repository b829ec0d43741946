/**
 * Splits the server's byte stream into whole responses. A response is one line, unless the line ends in a
 * literal announcement `{n}` (or `~{n}`), in which case the next n bytes belong to it and the line goes on
 * after them. The text of a response has each literal replaced by a placeholder `{n}` and the literal bytes
 * are kept aside, so a CRLF or a "]" inside a literal can never be mistaken for protocol.
 *
 * Bounded: a line longer than maxLine or a literal larger than maxLiteral is a protocol error (the APPEND
 * client never asks for anything big).
 */

export interface ServerResponse {
  /** The response with literals replaced by "{n}" placeholders, decoded as UTF-8, without the final CRLF. */
  text: string;
  literals: Buffer[];
}

export class ProtocolError extends Error {
  readonly code = 'InvalidResponse';
}

export class ResponseReader {
  readonly #maxLine: number;
  readonly #maxLiteral: number;
  /** Unparsed bytes (small: at most one line or one literal in progress). */
  #buf: Buffer = Buffer.alloc(0);
  /** Text segments of the response being assembled. */
  #segments: string[] = [];
  #literals: Buffer[] = [];
  /** Bytes of literal still expected, or -1 when reading a line. */
  #literalLeft = -1;
  #literalParts: Buffer[] = [];

  constructor(opts: { maxLine?: number; maxLiteral?: number } = {}) {
    this.#maxLine = opts.maxLine ?? 1024 * 1024;
    this.#maxLiteral = opts.maxLiteral ?? 16 * 1024 * 1024;
  }

  /** Bytes received but not yet part of a complete response. */
  get pendingBytes(): number {
    return this.#buf.length + this.#literalParts.reduce((n, b) => n + b.length, 0);
  }

  /** Feeds bytes; returns the responses completed by them, in order. Throws ProtocolError on garbage. */
  push(chunk: Buffer): ServerResponse[] {
    const out: ServerResponse[] = [];
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    for (;;) {
      if (this.#literalLeft >= 0) {
        if (this.#buf.length === 0) break;
        const take = Math.min(this.#literalLeft, this.#buf.length);
        this.#literalParts.push(this.#buf.subarray(0, take));
        this.#buf = this.#buf.subarray(take);
        this.#literalLeft -= take;
        if (this.#literalLeft > 0) break;
        this.#literals.push(Buffer.concat(this.#literalParts));
        this.#literalParts = [];
        this.#literalLeft = -1;
        continue;
      }
      const nl = this.#buf.indexOf('\r\n');
      if (nl < 0) {
        if (this.#buf.length > this.#maxLine) throw new ProtocolError(`server line longer than ${this.#maxLine} bytes`);
        break;
      }
      if (nl > this.#maxLine) throw new ProtocolError(`server line longer than ${this.#maxLine} bytes`);
      const line = this.#buf.subarray(0, nl).toString('utf8');
      this.#buf = this.#buf.subarray(nl + 2);
      const lit = /~?\{(\d+)\}$/.exec(line);
      if (lit) {
        const size = Number(lit[1]);
        if (size > this.#maxLiteral) throw new ProtocolError(`server literal of ${size} bytes is larger than expected`);
        this.#segments.push(line.slice(0, lit.index) + `{${size}}`);
        this.#literalLeft = size;
        continue;
      }
      this.#segments.push(line);
      out.push({ text: this.#segments.join(''), literals: this.#literals });
      this.#segments = [];
      this.#literals = [];
    }
    // Keep a private copy of a small remainder so the caller's chunk can be released.
    if (this.#buf.length && this.#buf.byteOffset !== 0) this.#buf = Buffer.from(this.#buf);
    return out;
  }
}
