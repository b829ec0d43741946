/**
 * Message buffers live outside V8's heap and are freed only when V8 collects the objects holding them; V8
 * starts a collection for external memory only after about 64 MiB more of it than at the last one. On top
 * of the byte budget that lag alone would push the process past its memory bound, so the budget asks for a
 * collection every COLLECT_EVERY bytes it has handed back. A full collection of a 30-50 MiB heap takes ~30 ms
 * here, so every 32 MiB (a few a second at full speed) costs a few per cent; every 8 MiB was clearly slower.
 */
import v8 from 'node:v8';
import vm from 'node:vm';

export const COLLECT_EVERY = 32 * 1024 * 1024;

let gc: (() => void) | null | undefined;
let scheduled = false;

/** Runs a full collection soon (once however often asked before it runs); a no-op where V8 will not expose it. */
export function collectGarbageSoon(): void {
  if (scheduled) return;
  if (gc === undefined) {
    try {
      // The documented way to reach gc() without the command-line flag: a context made after setting it has it.
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  if (!gc) return;
  scheduled = true;
  setImmediate(() => {
    scheduled = false;
    gc!();
  }).unref();
}
