/**
 * Message buffers live outside V8's heap and are freed only when V8 collects the objects holding them; V8
 * starts a collection for external memory only after about 64 MiB more of it than at the last one. On top
 * of the byte budget that lag alone would push the process past its memory bound, so the budget asks for a
 * collection every COLLECT_EVERY bytes it has handed back. A full collection of a 30-50 MiB heap takes ~30 ms
 * here, so every 32 MiB (a few a second at full speed) costs a few per cent; every 8 MiB was clearly slower.
 *
 * gc() exists where node was started with --expose-gc (bin/mailferry and the container image do); elsewhere
 * (the desktop app's main process, tests) this does nothing. It is never switched on at run time: changing
 * V8's flags after start-up is undefined behaviour.
 */
export const COLLECT_EVERY = 32 * 1024 * 1024;

let scheduled = false;

/** Runs a full collection soon (once however often asked before it runs); a no-op without gc(). */
export function collectGarbageSoon(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (scheduled || typeof gc !== 'function') return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    gc();
  }).unref();
}
