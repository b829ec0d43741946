/**
 * What differs per destination server family, as data the stages read (DESIGN.md: no `if (exchange)` inside
 * copy/ or plan/): how to recognise the family, whether it rebuilds what it stores, the message size it
 * takes when it advertises none, and folder names it keeps for itself.
 */
export type ServerFamily = 'cyrus' | 'courier' | 'dovecot' | 'exchange';

export interface ServerProfile {
  family: ServerFamily | undefined;
  /**
   * Stored messages come back rebuilt (other bytes, other size): a copy is recognised by its Message-ID and
   * received date alone, never by size or content fingerprint.
   */
  rebuilds: boolean;
  /** The largest message it takes by default without advertising APPENDLIMIT, and how an admin raises it. */
  sizeLimit?: { bytes: number; name: string; fix: string };
}

const FAMILIES: ReadonlyArray<{ family: ServerFamily; pattern: RegExp }> = [
  { family: 'cyrus', pattern: /\bcyrus\b/i },
  { family: 'courier', pattern: /\bcourier\b/i },
  { family: 'dovecot', pattern: /\bdovecot\b/i },
  { family: 'exchange', pattern: /\bexchange\b|\boutlook\b|\bmicrosoft\b/i },
];

const PROFILES: Record<ServerFamily | 'unknown', Omit<ServerProfile, 'family'>> = {
  cyrus: { rebuilds: false },
  courier: { rebuilds: false },
  dovecot: { rebuilds: false },
  exchange: {
    rebuilds: true,
    sizeLimit: {
      bytes: 35 * 1024 * 1024,
      name: "Microsoft 365's default limit of 35 MB",
      fix: 'An administrator can raise it up to 150 MB for this mailbox: `Set-Mailbox <mailbox> -MaxReceiveSize 150MB` in Exchange Online PowerShell; then run again.',
    },
  },
  unknown: { rebuilds: false },
};

/** The family of a server from what it said about itself (ID's name, the greeting), if it says. */
export function serverFamily(client: { serverInfo?: { name?: unknown } | null; greeting?: string | undefined }): ServerFamily | undefined {
  const said = `${typeof client.serverInfo?.name === 'string' ? client.serverInfo.name : ''} ${client.greeting ?? ''}`;
  return FAMILIES.find((f) => f.pattern.test(said))?.family;
}

export function profileOf(client: Parameters<typeof serverFamily>[0]): ServerProfile {
  const family = serverFamily(client);
  return { family, ...PROFILES[family ?? 'unknown'] };
}

/** Until the destination has been seen: nothing assumed. */
export const UNKNOWN_PROFILE: ServerProfile = { family: undefined, ...PROFILES.unknown };
