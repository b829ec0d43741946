import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseJob } from '../../src/main/engine/job/job.js';
import { MailferryError } from '../../src/main/engine/errors/errors.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mf-job-takeout-'));
const destination = { host: 'mail.example.net', user: 'ann@example.net' };

beforeAll(() => {
  fs.mkdirSync(path.join(dir, 'exports'));
  fs.writeFileSync(path.join(dir, 'exports', 'takeout.tgz'), 'x');
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function problems(source: unknown, dest: unknown = destination): string {
  try {
    parseJob({ mailboxes: [{ source, destination: dest }] }, dir);
  } catch (err) {
    return (err as MailferryError).details?.['problems'] as string;
  }
  throw new Error('the job was accepted');
}

describe('a Takeout export as the source in a job file', () => {
  it('resolves the path from the job file folder and needs no server', () => {
    const job = parseJob({ mailboxes: [{ source: { takeout: 'exports/takeout.tgz', user: 'ann@example.com' }, destination }] }, dir);
    expect(job.mailboxes[0]!.id).toBe('ann@example.com');
    expect(job.mailboxes[0]!.source).toEqual({ host: '', port: 0, security: 'tls', user: 'ann@example.com', takeout: path.join(dir, 'exports', 'takeout.tgz') });
  });

  it.each([
    [{ takeout: 'exports/nope.tgz', user: 'ann@example.com' }, `mailboxes[0].source.takeout: file not found: ${path.join(dir, 'exports', 'nope.tgz')} (relative paths are resolved from the job file's folder)`],
    [{ takeout: 'exports', user: 'ann@example.com' }, 'mailboxes[0].source.takeout: is not a file'],
    [{ takeout: '', user: 'ann@example.com' }, 'mailboxes[0].source.takeout: must be the path of the Takeout export'],
    [{ takeout: 'exports/takeout.tgz' }, 'mailboxes[0].source.user: must be a non-empty string (got undefined)'],
    [{ takeout: 'exports/takeout.tgz', user: 'ann' }, 'mailboxes[0].source.user: must be the Gmail address the export is of'],
    [{ takeout: 'exports/takeout.tgz', user: 'ann@example.com', host: 'imap.gmail.com', passwordEnv: 'X' }, 'mailboxes[0].source.host: is not used with "takeout"'],
  ])('%j is refused with its field path', (source, problem) => {
    expect(problems(source)).toContain(problem);
  });

  it('is a source only', () => {
    expect(problems({ host: 'imap.gmail.com', user: 'ann@example.com' }, { ...destination, takeout: 'exports/takeout.tgz' })).toMatch(/mailboxes\[0\]\.destination\.takeout: unknown field/);
  });
});
