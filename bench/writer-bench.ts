/**
 * Destination writer benchmark: 1,000 messages of about 50 KB into a private Dovecot, for imapflow's
 * SerialWriter and each strategy of the raw APPEND writer, on loopback and through a delay proxy
 * (25 ms each way = 50 ms RTT), with 1 and 4 connections. Run with `node scripts/bench.mjs writer-bench`.
 *
 * Each connection gets a contiguous share of the messages and hands them to append() in calls of
 * BENCH_CALL messages (default 100, like a copy unit flushing its byte budget). Time is measured from the
 * first append to the last outcome; connecting is not counted. Stored counts are checked after each run.
 * Env: BENCH_MESSAGES (1000), BENCH_SIZE (50000), BENCH_CALL (100), BENCH_ONLY (comma list of writer names).
 */
import { ImapFlow } from 'imapflow';
import type { AppendItem, AppendOutcome, DestinationWriter } from '../src/main/engine/copy/destination-writer.js';
import { classifyError } from '../src/main/engine/errors/classify-error.js';
import { MailferryError } from '../src/main/engine/errors/errors.js';
import { connectImap, disconnect } from '../src/main/engine/connect/imap-connect.js';
import { openAppendConnection, type AppendStrategy, type FastWriter } from '../src/main/engine/copy/imap-append/multi-writer.js';
import type { Endpoint } from '../src/main/engine/job/job.js';
import { startDestination } from '../test/support/dovecot.js';
import { startTcpProxy } from '../test/support/tcp-proxy.js';

const COUNT = Number(process.env['BENCH_MESSAGES'] ?? 1000);
const SIZE = Number(process.env['BENCH_SIZE'] ?? 50_000);
const CALL = Number(process.env['BENCH_CALL'] ?? 100);
const ONLY = process.env['BENCH_ONLY']?.split(',');

function makeMessages(): AppendItem[] {
  const items: AppendItem[] = [];
  for (let i = 0; i < COUNT; i++) {
    const size = Math.round(SIZE * (0.8 + 0.4 * ((i * 7919) % 101) / 100));
    const head = `From: bench@example.com\r\nTo: you@example.com\r\nSubject: bench ${i}\r\nMessage-ID: <b${i}@bench>\r\n\r\n`;
    const line = `${'x'.repeat(70)} ${String(i).padStart(5, '0')}\r\n`;
    const body = line.repeat(Math.max(1, Math.ceil((size - head.length) / line.length)));
    items.push({ raw: Buffer.from(head + body), flags: i % 3 ? ['\\Seen'] : [], internalDate: new Date(Date.UTC(2020, 0, 1) + i * 60_000) });
  }
  return items;
}

type WriterName = 'imapflow-serial' | AppendStrategy;
const WRITERS: WriterName[] = ['imapflow-serial', 'serial', 'literal-plus', 'multiappend'];

interface Opened {
  writer: DestinationWriter;
  close: () => Promise<void>;
}

async function open(name: WriterName, ep: Endpoint, password: string): Promise<Opened> {
  if (name === 'imapflow-serial') {
    const client: ImapFlow = await connectImap({ side: 'destination', endpoint: ep, credential: { password } });
    return { writer: new SerialWriter(client, { host: ep.host, port: ep.port }), close: () => disconnect(client) };
  }
  const w: FastWriter = await openAppendConnection(ep, { password }, { forceStrategy: name });
  return { writer: w, close: () => w.logout() };
}

async function main(): Promise<void> {
  const items = makeMessages();
  const totalBytes = items.reduce((n, it) => n + it.raw.length, 0);
  console.log(`${COUNT} messages, ${(totalBytes / 1e6).toFixed(1)} MB (avg ${Math.round(totalBytes / COUNT)} B), append() calls of ${CALL}`);
  const server = await startDestination();
  const proxy = await startTcpProxy({ targetPort: server.port, delayMs: 25 });
  const { user, password } = server.users[0]!;
  const rows: string[] = [];
  let run = 0;
  try {
    for (const link of ['loopback', '50 ms RTT'] as const) {
      for (const conns of [1, 4]) {
        for (const name of WRITERS) {
          if (ONLY && !ONLY.includes(name)) continue;
          const folder = `Bench${++run}`;
          const ep: Endpoint = { host: '127.0.0.1', port: link === 'loopback' ? server.port : proxy.port, security: 'none', user };
          const admin = new ImapFlow(server.imapOptions(user, 'plain'));
          await admin.connect();
          await admin.mailboxCreate(folder);
          const writers = await Promise.all(Array.from({ length: conns }, () => open(name, ep, password)));
          const share = Math.ceil(COUNT / conns);
          const t0 = performance.now();
          const results = await Promise.all(
            writers.map(async ({ writer }, c) => {
              const mine = items.slice(c * share, (c + 1) * share);
              let ok = 0;
              for (let i = 0; i < mine.length; i += CALL) {
                for (const o of await writer.append(folder, mine.slice(i, i + CALL))) if (o.ok) ok++;
              }
              return ok;
            }),
          );
          const seconds = (performance.now() - t0) / 1000;
          await Promise.all(writers.map((w) => w.close()));
          const status = await admin.status(folder, { messages: true });
          await admin.logout();
          const stored = status ? status.messages : undefined;
          const ok = results.reduce((a, b) => a + b, 0);
          if (ok !== COUNT || stored !== COUNT) throw new Error(`${name}: ${ok} ok, ${stored} stored, want ${COUNT}`);
          const row = `${link.padEnd(10)} ${String(conns).padStart(5)}  ${name.padEnd(16)} ${(COUNT / seconds).toFixed(0).padStart(7)} msg/s ${(totalBytes / 1e6 / seconds).toFixed(1).padStart(7)} MB/s ${seconds.toFixed(2).padStart(8)} s`;
          rows.push(row);
          console.log(row);
        }
      }
    }
  } finally {
    await proxy.close();
    await server.stop();
  }
  console.log(`\nlink       conns  writer              rate          throughput   wall\n${rows.join('\n')}`);
}

/** Refusals that concern a single message; anything else stops the batch. */
const PER_MESSAGE = new Set(['MESSAGE_TOO_BIG', 'MESSAGE_REFUSED']);

/** The baseline: imapflow's one APPEND at a time, as every client built on it does. */
class SerialWriter implements DestinationWriter {
  readonly #client: ImapFlow;
  readonly #ctx: { host: string; port: number };

  constructor(client: ImapFlow, ctx: { host: string; port: number }) {
    this.#client = client;
    this.#ctx = ctx;
  }

  async append(folder: string, items: AppendItem[]): Promise<AppendOutcome[]> {
    const out: AppendOutcome[] = [];
    for (const item of items) {
      try {
        const r = await this.#client.append(folder, item.raw, item.flags, item.internalDate);
        if (!r) throw new Error('APPEND returned no result');
        const o: AppendOutcome = { ok: true };
        if (r.uid !== undefined && r.uidValidity !== undefined) {
          o.uid = r.uid;
          o.uidValidity = Number(r.uidValidity);
        }
        out.push(o);
      } catch (err) {
        const info = classifyError(err, { side: 'destination', ...this.#ctx, folder, phase: 'append' });
        if (!PER_MESSAGE.has(info.code) || !this.#client.usable) throw new MailferryError(info, { cause: err });
        out.push({ ok: false, error: info });
      }
    }
    return out;
  }
}

await main();
