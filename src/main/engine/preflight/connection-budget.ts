/**
 * How many connections a job opens at most to each Gmail account, against Gmail's 15 per account for every
 * client together (phones and mail apps included: gmail-imap-facts.md). What the engine does, counted:
 * - reading (source): every mailbox of the run that reads one account shares one cap of
 *   connectionsPerAccount (connect/account-slots.ts), however many mailboxes read it;
 * - writing (a Gmail destination): each mailbox has its own writers (connectionsPerAccount) and listing
 *   connections (up to 3), so mailboxes writing one account add up.
 * Sharded runs keep the source count true: all mailboxes of a source user land in one shard (batch/shard.ts).
 */
import { isGoogleImapHost } from '../connect/secrets.js';
import type { Side } from '../connect/imap-connect.js';
import type { Job } from '../job/job.js';

export const GMAIL_CONNECTIONS = 15;
/** Left for the account's other clients: a phone, a tablet, a desktop mail app hold one or two each. */
export const OTHER_CLIENTS = 3;

export interface AccountBudget {
  side: Side;
  user: string;
  /** Indexes in job.mailboxes of the mailboxes that use this account on this side. */
  mailboxes: number[];
  /** Connections the job may hold to it at once. */
  upTo: number;
}

/** Connections one mailbox opens on the destination: writers plus the listing pool (run-migration.ts). */
const writing = (cap: number) => cap + Math.min(cap, 3);

/** The Gmail accounts of the job, each with the connections the job may open to it. */
export function connectionBudgets(job: Job): AccountBudget[] {
  const cap = job.options.connectionsPerAccount;
  const byAccount = new Map<string, AccountBudget>();
  job.mailboxes.forEach((mb, i) => {
    for (const side of ['source', 'destination'] as const) {
      const e = mb[side];
      if (!isGoogleImapHost(e.host)) continue;
      const key = `${side}:${e.user.toLowerCase()}`;
      const b = byAccount.get(key) ?? { side, user: e.user, mailboxes: [], upTo: 0 };
      b.mailboxes.push(i);
      b.upTo = side === 'source' ? cap : b.mailboxes.length * writing(cap);
      byAccount.set(key, b);
    }
  });
  return [...byAccount.values()];
}

/**
 * Over 15: a blocker (Gmail refuses the connections past it and the run crawls); over 15 less the other
 * clients' share: a warning. Each says which value of connectionsPerAccount fits.
 */
export function budgetFinding(b: AccountBudget, cap: number): { blocker?: string; warning?: string } {
  if (b.upTo <= GMAIL_CONNECTIONS - OTHER_CLIENTS) return {};
  const room = GMAIL_CONNECTIONS - OTHER_CLIENTS;
  const fits = fittingCap(b, room);
  const what = b.side === 'source'
    ? `Mailferry may read ${b.user} over ${b.upTo} connections at once`
    : `The ${b.mailboxes.length} mailbox${b.mailboxes.length > 1 ? 'es' : ''} writing to ${b.user} may hold ${b.upTo} connections to it at once (${cap} to copy and ${Math.min(cap, 3)} to list, each)`;
  const fix = fits > 0
    ? `Set connectionsPerAccount to ${fits} (the job's options, or --connections-per-account ${fits} for a batch file)`
    : 'Run these mailboxes one after another (in separate files)';
  const limit = `Gmail allows ${GMAIL_CONNECTIONS} per account for every client together, phones included`;
  if (b.upTo > GMAIL_CONNECTIONS) return { blocker: `${what}: ${limit}, so Gmail would refuse some and the copy would keep retrying. ${fix}.` };
  return { warning: `${what}, leaving ${GMAIL_CONNECTIONS - b.upTo} for its phones and mail apps (${limit}). When they use more, Gmail refuses connections and Mailferry retries with fewer; ${fix.charAt(0).toLowerCase()}${fix.slice(1)} to leave them ${OTHER_CLIENTS}.` };
}

/** The largest connectionsPerAccount that keeps the account within `room` connections (0: none does). */
function fittingCap(b: AccountBudget, room: number): number {
  for (let c = 10; c >= 1; c--) if ((b.side === 'source' ? c : b.mailboxes.length * writing(c)) <= room) return c;
  return 0;
}
