/**
 * From the window's mailbox settings to the engine's job: the engine's own parseJob does the checking
 * (loopback-only plain text, a readable CA file, source and destination not the same account), so the
 * desktop app and the command line accept exactly the same mailboxes. Its field paths are turned into
 * words for the form.
 */
import { MailferryError } from '../engine/errors/errors.js';
import { parseJob, type Job, type MailboxJob } from '../engine/job/job.js';
import { normalizeAuthority } from '../engine/oauth/microsoft/endpoints.js';
import { fail } from './app-error.js';
import { DEFAULT_LABEL_POLICY, type EndpointSettings, type MailboxConfig, type MailboxDraft, type Settings } from '../../shared/contract.js';

const FIELD_WORDS: Record<string, string> = {
  auth: 'sign-in',
  oauthClientId: 'OAuth client ID',
  serviceAccount: 'service account',
  takeout: 'Takeout export',
  host: 'server',
  port: 'port',
  security: 'security',
  user: 'user name',
  ca: 'CA file',
  provider: 'provider',
  tenant: 'tenant',
  authority: 'sign-in authority',
};

/** "mailboxes[0].source.port: must be..." -> "Source port: must be..." */
export function formProblem(problem: string): string {
  const when = /^mailboxes\[0\]\.(since|before):?\s*(.*)$/s.exec(problem);
  if (when) return `${when[1] === 'since' ? 'Only mail received since' : 'Only mail received before'}: ${when[2]}`;
  const m = /^mailboxes\[0\](?:\.(source|destination)(?:\.(\w+))?)?:?\s*(.*)$/s.exec(problem);
  if (!m) return problem;
  const [, side, field, rest] = m;
  if (!side) return rest!;
  const sideWord = side === 'source' ? 'Source' : 'Destination';
  // The destination's client ID is a Microsoft app registration's, named as Entra names it.
  const word = side === 'destination' && field === 'oauthClientId' ? 'Application (client) ID' : field ? (FIELD_WORDS[field] ?? field) : 'account';
  return `${sideWord} ${word}: ${rest}`;
}

/** Validates one mailbox with the engine's rules; throws a MailferryError whose message names the fields. */
export function toMailboxJob(config: MailboxConfig): MailboxJob {
  const raw = {
    id: config.id,
    source: endpointJson(config.source),
    destination: endpointJson(config.destination),
    ...folderFilter(config),
    ...(config.since ? { since: config.since } : {}),
    ...(config.before ? { before: config.before } : {}),
  };
  try {
    return parseJob({ mailboxes: [raw] }, '/').mailboxes[0]!;
  } catch (err) {
    if (err instanceof MailferryError && err.code === 'JOB_INVALID') {
      const problems = String(err.details?.problems ?? err.message).split('\n').map(formProblem);
      fail('INVALID_MAILBOX', problems.length === 1 ? problems[0]! : `Please check: ${problems.join('; ')}`, 'Correct the fields named above and try again.');
    }
    throw err;
  }
}

/** The job file's "folders": the patterns an imported row gave, and the folders left out in the mapping step. */
function folderFilter(c: MailboxConfig): { folders?: { include?: string[]; exclude?: string[] } } {
  const include = c.include?.length ? { include: c.include } : {};
  const exclude = c.exclude.length > 0 ? { exclude: c.exclude } : {};
  return c.include?.length || c.exclude.length > 0 ? { folders: { ...include, ...exclude } } : {};
}

/** A Takeout source is the export and the Gmail user it is of: no server, so nothing else goes in. */
function endpointJson(e: EndpointSettings): Record<string, unknown> {
  return e.takeout !== undefined ? { takeout: e.takeout, user: e.user } : { ...copyEndpoint(e) };
}

/**
 * The endpoint's own fields only (a draft may carry nothing else, but a copy never shares objects). A client
 * ID left over from an OAuth choice is dropped with a password sign-in; the Microsoft fields are passed on
 * for the engine to judge (a tenant without the provider is its error to report).
 */
export function copyEndpoint(e: EndpointSettings): EndpointSettings {
  if (e.takeout !== undefined) return { host: e.host, port: e.port, security: e.security, user: e.user, takeout: e.takeout };
  const oauth = e.auth === 'oauth2' || e.auth === 'oauth2-app';
  const delegated = e.auth === 'service-account';
  return {
    host: e.host,
    port: e.port,
    security: e.security,
    user: e.user,
    ...(e.ca ? { ca: e.ca } : {}),
    ...(e.provider ? { provider: e.provider } : {}),
    ...(oauth || delegated ? { auth: e.auth } : {}),
    ...(delegated && e.serviceAccount ? { serviceAccount: e.serviceAccount.trim().toLowerCase() } : {}),
    ...(oauth && e.oauthClientId ? { oauthClientId: e.oauthClientId } : {}),
    ...(e.tenant ? { tenant: e.tenant } : {}),
    ...(e.authority ? { authority: normalizeAuthority(e.authority) } : {}),
  };
}

/** Whether the source is a Google Takeout export (no server, no sign-in). */
export function isTakeout(e: EndpointSettings): e is EndpointSettings & { takeout: string } {
  return e.takeout !== undefined;
}

/** Whether the source signs in with a Workspace service account (its key in the keychain). */
export function usesServiceAccount(e: EndpointSettings): boolean {
  return e.auth === 'service-account' && e.takeout === undefined;
}

/** Whether the endpoint signs in with Google (OAuth 2.0) rather than a password. */
export function usesGoogleSignIn(e: EndpointSettings): boolean {
  return e.auth === 'oauth2' && e.provider === undefined;
}

/** Whether the endpoint is Microsoft 365 / Outlook.com (OAuth only: a user's sign-in or app-only access). */
export function usesMicrosoft(e: EndpointSettings): e is EndpointSettings & { provider: 'microsoft' } {
  return e.provider === 'microsoft';
}

/** What the mapping preview chooses besides folders: the job options that belong to one mailbox. */
export type LabelChoice = Pick<MailboxConfig, 'labelPolicy' | 'labelsAsKeywords'>;
export const DEFAULT_LABEL_CHOICE: Readonly<LabelChoice> = Object.freeze({ labelPolicy: DEFAULT_LABEL_POLICY, labelsAsKeywords: false });

/**
 * A job of one mailbox with the user's settings and that mailbox's label choice: the app runs each mailbox
 * on its own (pause/resume), so the job-wide label options are per mailbox here.
 */
export function toJob(mailbox: MailboxJob, settings: Settings, labels: LabelChoice = DEFAULT_LABEL_CHOICE): Job {
  const base = parseJob(
    {
      mailboxes: [{ id: 'x', source: { host: '127.0.0.1', user: 'a' }, destination: { host: '127.0.0.1', user: 'b' } }],
      options: {
        connectionsPerAccount: settings.connectionsPerAccount,
        globalConnections: Math.min(100, settings.connectionsPerAccount * 2),
        labelPolicy: labels.labelPolicy,
        labelsAsKeywords: labels.labelsAsKeywords,
      },
    },
    '/',
  );
  return { mailboxes: [mailbox], options: base.options };
}

/** What the mapping step (and an imported row) chose besides the accounts: kept when the form edits a mailbox. */
export type KeptChoices = Pick<MailboxConfig, 'exclude' | 'labelPolicy' | 'labelsAsKeywords' | 'include' | 'since' | 'before' | 'deleteMissing'>;

/** The configuration a draft describes (passwords are not part of it); the preview's choices are kept from `kept`. */
export function draftToConfig(draft: MailboxDraft, id: string, kept?: KeptChoices): MailboxConfig {
  return {
    id,
    source: copyEndpoint(draft.source),
    destination: copyEndpoint(draft.destination),
    exclude: [...(kept?.exclude ?? [])],
    labelPolicy: kept?.labelPolicy ?? DEFAULT_LABEL_CHOICE.labelPolicy,
    labelsAsKeywords: kept?.labelsAsKeywords ?? DEFAULT_LABEL_CHOICE.labelsAsKeywords,
    ...(kept?.include?.length ? { include: [...kept.include] } : {}),
    ...(kept?.since ? { since: kept.since } : {}),
    ...(kept?.before ? { before: kept.before } : {}),
    ...(kept?.deleteMissing ? { deleteMissing: true } : {}),
  };
}

/** Same server account: same host (case-insensitive) and same user. */
export function sameAccount(a: EndpointSettings, b: EndpointSettings): boolean {
  return a.host.trim().toLowerCase() === b.host.trim().toLowerCase() && a.user === b.user;
}

