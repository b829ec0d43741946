import { expect } from 'vitest';
import { MailferryError } from '../../src/main/engine/errors/errors.js';

/** The MailferryError a promise rejects with; fails the test when it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<MailferryError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(MailferryError);
    return e as MailferryError;
  }
  throw new Error('expected a rejection');
}
