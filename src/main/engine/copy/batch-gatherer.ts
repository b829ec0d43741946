/**
 * Bodies gathered per destination folder, then appended while the next ones are gathered: one append in
 * flight at a time, the bodies counted against the run's byte budget until their append has finished.
 * Used by the IMAP copy (copy-unit.ts) and the Takeout import (takeout/takeout-copy.ts).
 */
import type { Batch } from './append-batch.js';
import type { ByteBudget } from './byte-budget.js';

/** Messages and bytes gathered before a batch is appended (a MULTIAPPEND command's worth). */
export const BATCH_MESSAGES = 32;
export const BATCH_BYTES = 8 * 1024 * 1024;

export class BatchGatherer<W> {
  #gathered = new Map<W, Batch>();
  #count = 0;
  #bytes = 0;
  #inFlight: Promise<void> | undefined;

  constructor(
    private readonly budget: ByteBudget,
    private readonly signal: AbortSignal,
    private readonly append: (work: W, batch: Batch) => Promise<void>,
  ) {}

  /** Admits one message's body (waiting for room in the budget) and files it under every folder it goes to. */
  async add(rawLength: number, into: Array<[W, Batch[number]]>): Promise<void> {
    await this.budget.acquire(rawLength, this.signal);
    this.#bytes += rawLength;
    this.#count++;
    for (const [work, entry] of into) {
      const list = this.#gathered.get(work);
      if (list) list.push(entry);
      else this.#gathered.set(work, [entry]);
    }
  }

  get full(): boolean {
    return this.#count >= BATCH_MESSAGES || this.#bytes >= BATCH_BYTES;
  }

  /** Waits for the append in flight, then starts appending what was gathered. */
  async flush(): Promise<void> {
    await this.#inFlight;
    if (this.#count === 0) return;
    const batches = this.#gathered;
    const held = this.#bytes;
    this.#gathered = new Map();
    this.#count = 0;
    this.#bytes = 0;
    this.#inFlight = (async () => {
      for (const [work, batch] of batches) await this.append(work, batch);
    })().finally(() => this.budget.release(held));
    this.#inFlight.catch(() => {}); // observed by the next flush; never an unhandled rejection meanwhile
  }

  /** Appends the rest and waits for it. */
  async finish(): Promise<void> {
    await this.flush();
    await this.#inFlight;
  }

  /**
   * Always, in a finally: gives back what was gathered and not appended (stopping abandons it: nothing was
   * recorded yet) and lets the append in flight end.
   */
  async close(): Promise<void> {
    this.budget.release(this.#bytes);
    this.#bytes = 0;
    this.#gathered = new Map();
    await this.#inFlight?.catch(() => {});
  }
}
