/** The fast destination writer: a raw-socket APPEND client using MULTIAPPEND / LITERAL+ when offered. */
export { openAppendConnection, type AppendStrategy, type FastWriter, type FastWriterOptions } from './multi-writer.js';
export type { LiteralMode } from './wire.js';
