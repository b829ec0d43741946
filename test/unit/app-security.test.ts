/** The window's fences: the CSP (header and meta tag agree), external links, static file paths, process boundaries. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forTheWindow } from '../../src/main/app/app-error.js';
import { CONTENT_SECURITY_POLICY, CSP_HEADER } from '../../src/main/app/csp.js';
import { safeExternalUrl } from '../../src/main/app/external-url.js';
import { resolveStaticPath } from '../../src/main/app/static-files.js';
// @ts-expect-error: a plain .mjs script without type declarations
import { specifiers, violations } from '../../scripts/check-boundaries.mjs';

const root = resolve(import.meta.dirname, '../..');

describe('Content Security Policy', () => {
  it('index.html carries the same policy as the protocol header', () => {
    const html = readFileSync(join(root, 'src/renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY);
    expect(CSP_HEADER).toContain("frame-ancestors 'none'");
  });

  it('allows no inline script, no eval and no remote origin', () => {
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(CONTENT_SECURITY_POLICY).toMatch(/default-src 'none'/);
  });
});

describe('safeExternalUrl', () => {
  it.each([
    ['https://myaccount.google.com/apppasswords', 'https://myaccount.google.com/apppasswords'],
    ['https://support.google.com/mail/answer/7126229?hl=en', 'https://support.google.com/mail/answer/7126229?hl=en'],
    ['HTTPS://MyAccount.Google.com', 'https://myaccount.google.com/'],
  ])('opens %s', (raw, expected) => expect(safeExternalUrl(raw)).toBe(expected));

  it.each([
    'http://example.com/',
    'file:///etc/passwd',
    'javascript:alert(1)',
    'data:text/html,hi',
    'ms-settings:privacy',
    'smb://server/share',
    'https://user@example.com/',
    'https://10.0.0.1/',
    'https://[::1]/',
    'https://localhost/',
    'https://printer.local/',
    'https://example.com:444/',
    'https://nodot/',
    ' https://example.com/',
    'https://example.com/\n',
    `https://example.com/${'a'.repeat(3000)}`,
    '',
  ])('refuses %s', (raw) => expect(safeExternalUrl(raw)).toBeNull());
});

describe('resolveStaticPath', () => {
  const base = '/srv/renderer';
  it('maps paths inside the folder', () => {
    expect(resolveStaticPath(base, '/')).toBe('/srv/renderer/index.html');
    expect(resolveStaticPath(base, '/assets/index-1.js')).toBe('/srv/renderer/assets/index-1.js');
  });
  it.each(['/../etc/passwd', '/..%2Fetc%2Fpasswd', '/assets/../../x', '/%00', '/%E0%A4%A', '/a\\..\\..\\x'])('refuses %s', (p) => {
    expect(resolveStaticPath(base, p)).toBeNull();
  });
});

describe('process boundaries', () => {
  it('the source tree has none crossed', () => {
    expect(violations()).toEqual([]);
  });

  it('finds every kind of import, and ignores comments', () => {
    const text = [
      "import a from 'node:fs';",
      "import { b } from '../main/engine/job.js';",
      "export * from 'electron';",
      "import 'side-effect';",
      "const c = await import('node:path');",
      "const d = require('child_process');",
      "// import x from 'not-this';",
      "/* import y from 'nor-this'; */",
    ].join('\n');
    expect(specifiers(text).map((s: { spec: string; line: number }) => `${s.line}:${s.spec}`).sort()).toEqual(
      ['1:node:fs', '2:../main/engine/job.js', '3:electron', '4:side-effect', '5:node:path', '6:child_process'].sort(),
    );
  });
});

describe('engine hints in the window', () => {
  it('point to the mailbox settings instead of the command line', () => {
    const src = forTheWindow({ hint: 'Use an app password. Store the new one with `npx mailferry secrets set imap.gmail.com a@b.c`.' });
    expect(src.hint).toBe('Use an app password. Then enter it in the mailbox’s settings (Edit).');
    const dst = forTheWindow({ hint: 'Check the destination username and password; store a new one with `npx mailferry secrets set h u`.' });
    expect(dst.hint).toBe('Check the destination username and password, and enter the right one in the mailbox’s settings (Edit).');
    const policy = forTheWindow({ hint: 'Use "labelPolicy": "folder-per-label" for this mailbox.' });
    expect(policy.hint).toBe('Choose “A folder per label” under Folders… and start again.');
    const other = { code: 'X', hint: 'Nothing to change.' };
    expect(forTheWindow(other)).toBe(other);
  });
});
