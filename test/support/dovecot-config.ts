/**
 * dovecot.conf text and on-disk layout for the two kinds of test server. Pure apart from
 * writeGmailVirtualDefinitions; dovecot.ts does the process work.
 *
 * Layout of a server's temp dir (ROOT):
 *   ROOT/dovecot.conf, ROOT/passwd, ROOT/tls/ (CA + server cert), ROOT/run (base_dir),
 *   ROOT/state (state_dir), ROOT/dovecot.log
 *   ROOT/home/<user>/Maildir            the "" namespace: INBOX and every label (source) or folder (destination)
 *   ROOT/home/<user>/backing            source only: hidden namespace "backing/" (Sent Drafts Trash Spam Archive)
 *   ROOT/home/<user>/virtual/<Name>/    source only: the "[Gmail]/" virtual mailboxes (dovecot-virtual + indexes)
 */
import { join } from 'node:path';
import type { MailOwner } from './dovecot-env.js';
import { mkdirOwned, writeFileOwned } from './dovecot-env.js';

export type ServerKind = 'gmail-source' | 'destination';

export interface QuotaLimits {
  /** Maximum number of messages in the whole account. */
  messages?: number;
  /** Maximum storage in KiB (counted with quota_vsizes, i.e. CRLF sizes as IMAP reports them). */
  storageKB?: number;
}

export interface ConfigInput {
  kind: ServerKind;
  root: string;
  instanceName: string;
  owner: MailOwner;
  port: number;
  tlsPort: number;
  certFile: string;
  keyFile: string;
  passwdFile: string;
  /** Destination only: namespace prefix, "" (default) or "INBOX." (Courier/cPanel style). */
  prefix: '' | 'INBOX.';
  /** Destination only: "." Maildir++ (default) or "/" maildir LAYOUT=fs (Exchange's separator). */
  separator?: '.' | '/';
  /** Destination only: folders created and subscribed at login; default DESTINATION_SPECIAL_FOLDERS. */
  specialFolders?: ReadonlyArray<{ name: string; specialUse: string }>;
  quota?: QuotaLimits;
  /** Largest APPEND accepted, bytes: `NO [LIMIT]` above it, and APPENDLIMIT=n advertised. */
  appendLimit?: number;
  /** imap_max_line_length (Dovecot default 64 KiB). */
  maxLineLength?: number;
  /** mail_max_userip_connections; Dovecot's default of 10 is too few for parallel copy tests. */
  maxConnectionsPerUser: number;
}

/** The hidden physical namespace of the Gmail-like source. A user label cannot be named "backing". */
export const BACKING_PREFIX = 'backing/';
export const BACKING_FOLDERS = ['Sent', 'Drafts', 'Trash', 'Spam', 'Archive'] as const;
export type BackingFolder = (typeof BACKING_FOLDERS)[number];

/** Everything that shows in All Mail: all visible mailboxes ("*" = INBOX and labels) plus these. */
const ALL_MAIL_SOURCES = ['*', 'backing/Sent', 'backing/Drafts', 'backing/Archive'];

/**
 * The "[Gmail]/" virtual mailboxes. A leading "!" marks the mailbox that APPEND saves into (the others
 * answer `NO [CANNOT]`); "*" does not match the hidden namespace, hence the explicit backing/ lines.
 * APPEND to All Mail saves into backing/Archive, as Gmail files an appended message as archived.
 */
export const GMAIL_VIRTUAL_MAILBOXES: ReadonlyArray<{ name: string; specialUse: string; sources: string[]; search: string }> = [
  { name: 'All Mail', specialUse: '\\All', sources: ['*', 'backing/Sent', 'backing/Drafts', '!backing/Archive'], search: 'all' },
  { name: 'Sent Mail', specialUse: '\\Sent', sources: ['!backing/Sent'], search: 'all' },
  { name: 'Drafts', specialUse: '\\Drafts', sources: ['!backing/Drafts'], search: 'all' },
  { name: 'Trash', specialUse: '\\Trash', sources: ['!backing/Trash'], search: 'all' },
  { name: 'Spam', specialUse: '\\Junk', sources: ['!backing/Spam'], search: 'all' },
  { name: 'Starred', specialUse: '\\Flagged', sources: ALL_MAIL_SOURCES, search: 'flagged' },
  { name: 'Important', specialUse: '\\Important', sources: ALL_MAIL_SOURCES, search: 'keyword $Important' },
];

/** Special-use folders the destination creates (and subscribes) at every login, with non-Gmail names. */
export const DESTINATION_SPECIAL_FOLDERS: ReadonlyArray<{ name: string; specialUse: string }> = [
  { name: 'Sent Items', specialUse: '\\Sent' },
  { name: 'Deleted Items', specialUse: '\\Trash' },
  { name: 'Junk E-mail', specialUse: '\\Junk' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Archive', specialUse: '\\Archive' },
];

export function userHome(root: string, user: string): string {
  return join(root, 'home', user);
}

function assertSafeComponent(part: string, mailbox: string): void {
  if (part === '' || part === '.' || part === '..' || part.includes('\0')) {
    throw new Error(`mailbox name ${JSON.stringify(mailbox)} cannot be stored as a maildir folder`);
  }
}

/**
 * The maildir directory (the one holding cur/ new/ tmp/) of a physical mailbox, by its IMAP name.
 * Names on disk are UTF-8 (the `UTF-8` mail_location flag), so no modified UTF-7 here.
 *   source:      "INBOX" -> Maildir; "Reçus/2024" -> Maildir/Reçus/2024 (LAYOUT=fs);
 *                "backing/Sent" -> backing/Sent; "[Gmail]/..." is virtual and has no directory.
 *   destination: "INBOX" -> Maildir; "Projets.2024" -> Maildir/.Projets.2024 (Maildir++), and with
 *                prefix "INBOX.": "INBOX.Projets.2024" -> Maildir/.Projets.2024; with separator "/"
 *                (LAYOUT=fs): "Projets/2024" -> Maildir/Projets/2024.
 */
export function folderDirFor(kind: ServerKind, prefix: string, home: string, mailbox: string, separator: '.' | '/' = '.'): string {
  if (mailbox.toUpperCase() === 'INBOX') return join(home, 'Maildir');
  if (kind === 'destination' && separator === '/') {
    const parts = mailbox.split('/');
    for (const part of parts) assertSafeComponent(part, mailbox);
    return join(home, 'Maildir', ...parts);
  }
  if (kind === 'gmail-source') {
    if (mailbox.startsWith('[Gmail]/')) {
      throw new Error(`${mailbox} is a virtual mailbox: seed its backing folder (backing/Sent, ...) or a label instead`);
    }
    const backing = mailbox.startsWith(BACKING_PREFIX);
    const rel = backing ? mailbox.slice(BACKING_PREFIX.length) : mailbox;
    const parts = rel.split('/');
    for (const part of parts) assertSafeComponent(part, mailbox);
    return join(home, backing ? 'backing' : 'Maildir', ...parts);
  }
  if (!mailbox.startsWith(prefix)) throw new Error(`${mailbox} is outside the destination namespace "${prefix}"`);
  const rel = mailbox.slice(prefix.length);
  if (rel.includes('/')) throw new Error(`${mailbox}: "/" is not allowed in a Maildir++ folder name`);
  for (const part of rel.split('.')) assertSafeComponent(part, mailbox);
  return join(home, 'Maildir', `.${rel}`);
}

/** Writes the "[Gmail]/" virtual definitions and the backing folders for one user of the source. */
export function writeGmailVirtualDefinitions(home: string, owner: MailOwner): void {
  for (const box of GMAIL_VIRTUAL_MAILBOXES) {
    const dir = join(home, 'virtual', box.name);
    mkdirOwned(dir, owner);
    writeFileOwned(join(dir, 'dovecot-virtual'), `${box.sources.join('\n')}\n  ${box.search}\n`, owner);
  }
  // A virtual mailbox whose backing mailbox is missing cannot be opened, so they exist from the start.
  for (const name of BACKING_FOLDERS) {
    for (const sub of ['cur', 'new', 'tmp']) mkdirOwned(join(home, 'backing', name, sub), owner);
  }
  for (const sub of ['cur', 'new', 'tmp']) mkdirOwned(join(home, 'Maildir', sub), owner);
}

function mailboxBlock(name: string, lines: string[], indent = '  '): string {
  return [`${indent}mailbox "${name}" {`, ...lines.map((l) => `${indent}  ${l}`), `${indent}}`].join('\n');
}

function namespaces(input: ConfigInput): string {
  if (input.kind === 'gmail-source') {
    return `namespace inbox {
  prefix =
  separator = /
  inbox = yes
  location = maildir:~/Maildir:LAYOUT=fs:UTF-8
}
namespace backing {
  prefix = ${BACKING_PREFIX}
  separator = /
  hidden = yes
  list = no
  location = maildir:~/backing:LAYOUT=fs:UTF-8
${BACKING_FOLDERS.map((n) => mailboxBlock(n, ['auto = create'])).join('\n')}
}
namespace gmail {
  prefix = [Gmail]/
  separator = /
  location = virtual:~/virtual
${GMAIL_VIRTUAL_MAILBOXES.map((b) => mailboxBlock(b.name, [`special_use = ${b.specialUse}`])).join('\n')}
}`;
  }
  const fs = input.separator === '/';
  return `namespace inbox {
  prefix = ${input.prefix}
  separator = ${fs ? '/' : '.'}
  inbox = yes
  location = maildir:~/Maildir${fs ? ':LAYOUT=fs' : ''}:UTF-8
${(input.specialFolders ?? DESTINATION_SPECIAL_FOLDERS).map((f) => mailboxBlock(f.name, ['auto = subscribe', `special_use = ${f.specialUse}`])).join('\n')}
}`;
}

function quotaPlugin(input: ConfigInput): string {
  if (input.kind !== 'destination') return '';
  const rule: string[] = [];
  if (input.quota?.storageKB !== undefined) rule.push(`storage=${input.quota.storageKB}K`);
  if (input.quota?.messages !== undefined) rule.push(`messages=${input.quota.messages}`);
  return [
    'plugin {',
    '  quota = count:User quota',
    '  quota_vsizes = yes',
    rule.length ? `  quota_rule = *:${rule.join(':')}` : '',
    input.appendLimit !== undefined ? `  quota_max_mail_size = ${input.appendLimit}` : '',
    '}',
  ].filter(Boolean).join('\n');
}

export function renderConfig(input: ConfigInput): string {
  const { root, owner } = input;
  const mailPlugins = input.kind === 'gmail-source' ? 'virtual' : 'quota';
  const imapPlugins = input.kind === 'gmail-source' ? 'imap_zlib' : 'imap_quota imap_zlib';
  const imapExtra: string[] = [];
  if (input.maxLineLength !== undefined) imapExtra.push(`imap_max_line_length = ${input.maxLineLength}`);
  // Dovecot 2.3 never advertises APPENDLIMIT itself; "+" appends to the default capability list.
  if (input.appendLimit !== undefined) imapExtra.push(`imap_capability = +APPENDLIMIT=${input.appendLimit}`);
  return `# Generated by test/support/dovecot.ts for a ${input.kind} test server. Not for production.
instance_name = ${input.instanceName}
base_dir = ${join(root, 'run')}
state_dir = ${join(root, 'state')}
log_path = ${join(root, 'dovecot.log')}
protocols = imap
listen = 127.0.0.1
default_internal_user = ${owner.name}
default_login_user = ${owner.name}
default_internal_group = ${owner.group}
first_valid_uid = ${owner.uid}
last_valid_uid = ${owner.uid}
first_valid_gid = ${owner.gid}
last_valid_gid = ${owner.gid}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
ssl = yes
ssl_cert = <${input.certFile}
ssl_key = <${input.keyFile}
mail_plugins = ${mailPlugins}
mail_max_userip_connections = ${input.maxConnectionsPerUser}
passdb {
  driver = passwd-file
  args = scheme=PLAIN ${input.passwdFile}
}
userdb {
  driver = static
  args = uid=${owner.uid} gid=${owner.gid} home=${join(root, 'home')}/%u
}
${namespaces(input)}
protocol imap {
  mail_plugins = $mail_plugins ${imapPlugins}
${imapExtra.map((l) => `  ${l}`).join('\n')}
}
${quotaPlugin(input)}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${input.port}
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = ${input.tlsPort}
    ssl = yes
  }
}
# No auth penalty (anvil would delay every failed LOGIN from 127.0.0.1 by up to 15 s).
service anvil {
  chroot =
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service pop3-login {
  chroot =
}
service submission-login {
  chroot =
}
`;
}
