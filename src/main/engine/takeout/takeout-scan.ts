/**
 * The first pass over an export: every label in it (the folder list Gmail's IMAP would show, so folders are
 * mapped once, the same way as for an IMAP pass, and created before the first APPEND), how many messages
 * go where (progress and the report), and that the file can be read to its end, so a cut or damaged file
 * is refused before anything is written. Reads only each message's first lines: flat memory, about the
 * speed of reading (or inflating) the file.
 */
import { inWindow, type DateWindow } from '../job/date-window.js';
import type { ExportFile } from './export-file.js';
import { readMbox } from './export-file.js';
import { peekMbox } from './mbox-message.js';
import { splitMbox } from './mbox-split.js';
import { readLabels, type MessageLabels } from './takeout-labels.js';

export interface ExportScan {
  /** Messages in the file. */
  messages: number;
  /** Messages in the window by label set (what decides their folders), with their mbox bytes. */
  groups: Map<string, { labels: MessageLabels; count: number; bytes: number }>;
  userLabels: Set<string>;
  /** Gmail's inbox tabs and how many messages each shows. */
  categories: Map<string, number>;
  /** Messages outside this pass's received-date window (left for a later pass). */
  outsideWindow: number;
  chats: number;
}

export async function scanExport(file: ExportFile, window: DateWindow | undefined, signal: AbortSignal): Promise<ExportScan> {
  const scan: ExportScan = { messages: 0, groups: new Map(), userLabels: new Set(), categories: new Map(), outsideWindow: 0, chats: 0 };
  const { where, chunks } = await readMbox(file);
  for await (const entry of splitMbox(chunks, where)) {
    signal.throwIfAborted();
    scan.messages++;
    const head = peekMbox(entry.bytes);
    const labels = readLabels(head.labelHeader);
    for (const c of labels.categories) scan.categories.set(c, (scan.categories.get(c) ?? 0) + 1);
    if (labels.chat) scan.chats++;
    if (!inWindow(head.receivedAt, window)) {
      scan.outsideWindow++;
      continue;
    }
    for (const l of labels.labels) if (!l.startsWith('\\')) scan.userLabels.add(l);
    const key = groupKey(labels);
    const g = scan.groups.get(key) ?? scan.groups.set(key, { labels, count: 0, bytes: 0 }).get(key)!;
    g.count++;
    g.bytes += entry.bytes.length;
  }
  return scan;
}

/** What places a message: its labels, Trash or Spam, chat. Flags (read, starred) do not. */
export function groupKey(l: MessageLabels): string {
  return [l.bin ?? '', l.chat ? 'chat' : '', ...[...l.labels].sort()].join('\u0000');
}
