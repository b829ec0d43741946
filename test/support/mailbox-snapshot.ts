import { createHash } from 'node:crypto';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';

/** One message as a test compares it: full-byte hash, flags (sorted, without \Recent) and date as an instant. */
export interface MessageFingerprint {
  sha256: string;
  flags: string[];
  internalDate: number;
}

/** Every message of every selectable folder (or the given ones), read with a plain imapflow client. */
export async function snapshot(options: ImapFlowOptions, folders?: string[]): Promise<Map<string, MessageFingerprint[]>> {
  const client = new ImapFlow({ ...options, logger: false, disableCompression: true });
  client.on('error', () => {});
  await client.connect();
  try {
    const paths = folders ?? (await client.list()).filter((l) => !l.flags.has('\\Noselect')).map((l) => l.path);
    const out = new Map<string, MessageFingerprint[]>();
    for (const path of paths) {
      const lock = await client.getMailboxLock(path, { readOnly: true });
      try {
        const list: MessageFingerprint[] = [];
        if (client.mailbox && client.mailbox.exists > 0) {
          for await (const m of client.fetch('1:*', { uid: true, source: true, flags: true, internalDate: true })) {
            list.push({
              sha256: createHash('sha256').update(m.source ?? Buffer.alloc(0)).digest('hex'),
              flags: [...(m.flags ?? [])].filter((f) => f !== '\\Recent').sort(),
              internalDate: new Date(m.internalDate ?? 0).getTime(),
            });
          }
        }
        out.set(path, sortFingerprints(list));
      } finally {
        lock.release();
      }
    }
    return out;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

export function sortFingerprints(list: MessageFingerprint[]): MessageFingerprint[] {
  return [...list].sort((a, b) => (a.sha256 + a.internalDate).localeCompare(b.sha256 + b.internalDate));
}

export function fingerprint(raw: Buffer, flags: string[], internalDate: Date): MessageFingerprint {
  return {
    sha256: createHash('sha256').update(raw).digest('hex'),
    flags: flags.filter((f) => f !== '\\Recent').sort(),
    internalDate: Math.floor(internalDate.getTime() / 1000) * 1000,
  };
}
