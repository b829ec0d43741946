/**
 * The flags a copy is appended with, and which of them a destination folder keeps. Keywords ($Forwarded,
 * Gmail labels kept as keywords...) are kept only where the folder's PERMANENTFLAGS allow them: `\*` (any
 * keyword) or the keyword itself. Exchange lists no `\*` and refuses a whole APPEND that carries another
 * keyword, so such keywords are left off the copy (and the report says which) instead of losing the message.
 */
import { labelKeywords } from './gmail-labels.js';
import type { MessageMeta } from './folder-scan.js';

/** The source's flags without \Recent (session state APPEND cannot set), plus the labels when asked. */
export function copyFlags(meta: MessageMeta, labelsAsKeywords: boolean): string[] {
  const flags = meta.flags.filter((f) => f.toLowerCase() !== '\\recent');
  if (labelsAsKeywords && meta.labels) flags.push(...labelKeywords(meta.labels));
  return flags;
}

/**
 * Whether a destination folder keeps a flag. `permanentFlags` null: unknown or not announced (RFC 3501 says
 * a client may then assume every flag is kept). System flags are always sent.
 */
export function keeps(permanentFlags: readonly string[] | null, flag: string): boolean {
  if (flag.startsWith('\\') || permanentFlags === null) return true;
  const f = flag.toLowerCase();
  return permanentFlags.some((p) => p === '\\*' || p.toLowerCase() === f);
}

/** The keywords of these messages that a folder with these PERMANENTFLAGS will not keep, and how many messages carry one. */
export function droppedKeywords(metas: MessageMeta[], labelsAsKeywords: boolean, permanentFlags: readonly string[] | null): { keywords: Set<string>; messages: number } {
  const keywords = new Set<string>();
  let messages = 0;
  if (permanentFlags === null) return { keywords, messages };
  for (const m of metas) {
    const lost = copyFlags(m, labelsAsKeywords).filter((f) => !keeps(permanentFlags, f));
    for (const f of lost) keywords.add(f);
    if (lost.length > 0) messages++;
  }
  return { keywords, messages };
}
