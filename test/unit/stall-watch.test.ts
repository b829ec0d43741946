import { describe, expect, it } from 'vitest';
import { StallWatch } from '../../src/main/engine/connect/stall-watch.js';

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A watch over a byte counter the test moves by hand; records when it fired. */
function watched(limitMs: number) {
  const w = { bytes: 0, waiting: false, firedAt: undefined as number | undefined, start: Date.now() };
  const watch = new StallWatch(limitMs, () => w.bytes, () => w.waiting, () => (w.firedAt = Date.now() - w.start));
  return { w, watch };
}

describe('StallWatch', () => {
  it('fires once the limit passed without progress while waiting, not before', async () => {
    const { w, watch } = watched(200);
    w.waiting = true;
    watch.kick();
    await pause(150);
    expect(w.firedAt).toBeUndefined();
    await pause(150);
    expect(w.firedAt).toBeGreaterThanOrEqual(200);
    expect(w.firedAt).toBeLessThan(280);
  });

  it('never fires while idle, however long; the clock starts at the next wait', async () => {
    const { w, watch } = watched(100);
    watch.kick(); // nothing waits: the watch goes quiet at its first look
    await pause(250);
    expect(w.firedAt).toBeUndefined();
    w.waiting = true;
    w.start = Date.now();
    watch.kick();
    await pause(200);
    expect(w.firedAt).toBeGreaterThanOrEqual(100);
  });

  it('bytes that keep moving keep a long wait alive; the silence after them counts from the last byte', async () => {
    const { w, watch } = watched(100);
    w.waiting = true;
    watch.kick();
    let lastByte = 0;
    const mover = setInterval(() => {
      w.bytes += 1;
      lastByte = Date.now() - w.start;
    }, 40);
    await pause(400);
    clearInterval(mover);
    expect(w.firedAt).toBeUndefined();
    await pause(200);
    expect(w.firedAt! - lastByte).toBeGreaterThanOrEqual(98); // clocks differ by a ms
    expect(w.firedAt! - lastByte).toBeLessThan(180);
  });

  it('stop() ends it for good', async () => {
    const { w, watch } = watched(50);
    w.waiting = true;
    watch.kick();
    watch.stop();
    watch.kick();
    await pause(150);
    expect(w.firedAt).toBeUndefined();
  });
});
