import { expect } from 'vitest';
import type { ImapFlowOptions } from 'imapflow';
import type { CorpusMessage } from './corpus.js';
import { snapshot, type MessageFingerprint } from './mailbox-snapshot.js';
import { expectedDestination } from './migration-fixture.js';

/**
 * The destination holds exactly what the corpus says, message by message (bytes, flags, date): nothing
 * lost, nothing twice, and no messages in folders the corpus does not name.
 */
export async function expectDestinationExact(options: ImapFlowOptions, corpus: readonly CorpusMessage[], prefix = ''): Promise<void> {
  expectExact(await snapshot(options), expectedDestination(corpus, prefix));
}

export function expectExact(actual: Map<string, MessageFingerprint[]>, expected: Map<string, MessageFingerprint[]>): void {
  for (const [folder, msgs] of expected) expect(actual.get(folder)?.length, `count in ${folder}`).toBe(msgs.length);
  for (const [folder, msgs] of expected) expect(actual.get(folder), `folder ${folder}`).toEqual(msgs);
  for (const [folder, msgs] of actual) if (!expected.has(folder)) expect(msgs, `unexpected messages in ${folder}`).toEqual([]);
}
