/**
 * Reading a password from the terminal without echoing it. On a TTY the input goes into raw mode (no
 * echo, no line editing by the terminal), so this module does the little editing a password needs:
 * Enter, Backspace, Ctrl-U, Ctrl-C / Ctrl-D to cancel. Off a TTY (a pipe, a test) it reads one line.
 */
import { StringDecoder } from 'node:string_decoder';
import { MailferryError } from '../engine/errors/errors.js';

export interface PromptIo {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

interface TtyInput extends NodeJS.ReadableStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?: (mode: boolean) => unknown;
}

function cancelled(): MailferryError {
  return new MailferryError({ code: 'CANCELLED', message: 'Cancelled; nothing was entered.', retryable: false });
}

/**
 * Writes `question` and reads one line. On a TTY nothing typed is echoed (not even '*', which would give
 * away the length). Rejects with MailferryError 'CANCELLED' on Ctrl-C, or Ctrl-D on an empty line.
 */
export function promptHidden(
  question: string,
  io: PromptIo = { input: process.stdin, output: process.stderr },
): Promise<string> {
  const input = io.input as TtyInput;
  io.output.write(question);
  if (input.isTTY && typeof input.setRawMode === 'function') return readRaw(input, io.output);
  return readLine(input);
}

function readRaw(input: TtyInput, output: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const wasRaw = input.isRaw === true;
    const decoder = new StringDecoder('utf8');
    let chars: string[] = [];
    let escape = false; // inside an escape sequence (arrow keys, function keys): ignored

    const finish = (err: Error | undefined, value?: string) => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.setRawMode?.(wasRaw);
      input.pause();
      output.write('\n');
      if (err) reject(err);
      else resolve(value ?? '');
    };

    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const ch of text) {
        if (escape) {
          // CSI sequences end with a letter or '~'; a lone ESC followed by '[' or 'O' continues.
          if (/[A-Za-z~]/.test(ch)) escape = false;
          continue;
        }
        switch (ch) {
          case '\r':
          case '\n':
            return finish(undefined, chars.join(''));
          case '\u0003': // Ctrl-C: raw mode swallows SIGINT, so cancel here
            return finish(cancelled());
          case '\u0004': // Ctrl-D
            if (chars.length === 0) return finish(cancelled());
            return finish(undefined, chars.join(''));
          case '\u007f': // Backspace (DEL) on most terminals
          case '\b': // Ctrl-H
            chars.pop();
            break;
          case '\u0015': // Ctrl-U: erase the line
            chars = [];
            break;
          case '\u001b':
            escape = true;
            break;
          default:
            if (ch >= ' ') chars.push(ch); // other control characters are ignored
        }
      }
    };
    const onEnd = () => finish(chars.length > 0 ? undefined : cancelled(), chars.join(''));
    const onError = (err: Error) => finish(err);

    if ((input as { readableEnded?: boolean }).readableEnded) return reject(cancelled());
    input.setRawMode?.(true);
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}

/** One line from a non-TTY stream; whatever follows the newline is pushed back for the next reader. */
function readLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const decoder = new StringDecoder('utf8');
    let text = '';

    const cleanup = () => {
      input.removeListener('data', onData);
      input.removeListener('end', onEnd);
      input.removeListener('error', onError);
      input.pause();
    };
    const onData = (chunk: Buffer | string) => {
      text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
      const nl = text.indexOf('\n');
      if (nl === -1) return;
      cleanup();
      const rest = text.slice(nl + 1);
      if (rest !== '' && typeof input.unshift === 'function') input.unshift(Buffer.from(rest, 'utf8'));
      resolve(text.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = () => {
      cleanup();
      text += decoder.end();
      resolve(text.replace(/\r$/, '')); // a last line without newline still counts
    };
    const onError = (err: Error) => {
      cleanup();
      reject(err);
    };

    if ((input as { readableEnded?: boolean }).readableEnded) return resolve('');
    input.on('data', onData);
    input.on('end', onEnd);
    input.on('error', onError);
    input.resume();
  });
}
