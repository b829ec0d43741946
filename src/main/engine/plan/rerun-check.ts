/**
 * The quick look of a re-run: one short raw session per side (connect/quick-session.ts), both at once,
 * each signing in and listing in one round trip (the source with every folder's STATUS inline, LIST-STATUS),
 * then the same decision the plan makes folder by folder (nothingNew), for every folder at once. When every
 * copied folder is unchanged since its checkpoint, with its target where the ledger says, the run is
 * finished without opening a folder or loading imapflow. Anything else (a new or renamed folder, a new
 * message, a flag change, a deletion, a server without LIST-STATUS or CONDSTORE, any error) answers
 * undefined and the run plans the usual way, which notices it.
 */
import type { Credential, Login } from '../connect/credentials.js';
import { QuickSession, type Answers } from '../connect/quick-session.js';
import type { Endpoint, MailboxJob } from '../job/job.js';
import type { Ledger } from '../ledger/ledger.js';
import { COPIED_ROLES, nothingNew } from './folder-checkpoint.js';
import { personalNamespace } from './folder-list.js';
import { mapFolders, type FolderMapping } from './folder-mapping.js';
import type { FolderStatus } from './folder-scan.js';
import { foldersOf, personalNamespaceOf } from './raw-folder-list.js';

export interface UnchangedMailbox {
  /** The folder mapping, as the plan would make it. */
  mappings: FolderMapping[];
  /** Every selectable source folder's counts. */
  status: Map<string, FolderStatus>;
}

/** As imapflow lists (folder-list.ts): the same RETURN options, so the servers give the same attributes. */
const SOURCE_LIST = 'LIST "" "*" RETURN (STATUS (MESSAGES UIDNEXT UIDVALIDITY HIGHESTMODSEQ) SPECIAL-USE CHILDREN SUBSCRIBED)';
const DESTINATION_LIST = 'LIST "" "*" RETURN (SPECIAL-USE CHILDREN SUBSCRIBED)';

/** What each side must have said it offers for its listing to mean what imapflow's would. */
const SOURCE_NEEDS = ['CONDSTORE', 'NAMESPACE', 'SPECIAL-USE', 'LIST-STATUS'];
const DESTINATION_NEEDS = ['NAMESPACE', 'SPECIAL-USE'];

/** Both sides' answers to the quick look. */
export interface Looked {
  source: Answers;
  destination: Answers;
}

/** Signs in to both sides at once and lists them; undefined when either look did not work out. */
export async function lookAtBoth(mb: MailboxJob, logins: { source: Login; destination: Login }, idleMs: number, signal: AbortSignal): Promise<Looked | undefined> {
  const [source, destination] = await Promise.all([
    look(mb.source, logins.source, SOURCE_LIST, SOURCE_NEEDS, idleMs, signal),
    look(mb.destination, logins.destination, DESTINATION_LIST, DESTINATION_NEEDS, idleMs, signal),
  ]);
  return source && destination ? { source, destination } : undefined;
}

/** The mailbox as the ledger left it, or undefined when anything may have changed (see above). */
export function unchangedMailbox(mb: MailboxJob, ledger: Ledger, looked: Looked): UnchangedMailbox | undefined {
  const source = foldersOf(looked.source.data, personalNamespaceOf(namespace(looked.source)));
  const dstNamespace = personalNamespaceOf(namespace(looked.destination));
  const destination = foldersOf(looked.destination.data, dstNamespace).folders;
  const ns = personalNamespace({ namespace: dstNamespace }, destination);
  const mappings = mapFolders({ source: source.folders, destination, destDelimiter: ns.delimiter, destPrefix: ns.prefix, ...(mb.folders ? { filter: mb.folders } : {}) });
  for (const m of mappings) {
    if (!COPIED_ROLES.has(m.role) || m.target === null) continue;
    const status = source.status.get(m.source);
    if (!m.targetExists || !status || ledger.getFolder(mb.id, m.source)?.targetPath !== m.target) return undefined;
    if (!nothingNew(ledger, mb.id, m.source, status)) return undefined;
  }
  return { mappings, status: source.status };
}

/** Signs in, asks for capabilities, namespace and the folder list in one flight; undefined on anything unexpected. */
async function look(endpoint: Endpoint, login: Login, list: string, needs: string[], idleMs: number, signal: AbortSignal): Promise<Answers | undefined> {
  let session: QuickSession | undefined;
  const stop = () => session?.destroy();
  signal.addEventListener('abort', stop, { once: true });
  try {
    const credential: Credential = await login.credential();
    session = await QuickSession.open(endpoint, idleMs);
    signal.throwIfAborted();
    const signIn = session.signIn(endpoint.user, credential);
    if (!signIn) return undefined;
    const commands = [signIn, 'CAPABILITY', 'NAMESPACE', list];
    const answers = await session.send(commands, { signIn: true });
    const caps = answers.capabilities;
    const extended = caps.has('LIST-EXTENDED') || caps.has('IMAP4REV2');
    const answered = answers.tagged.length === commands.length && answers.tagged.every((t) => t.status === 'OK');
    if (!answered || !extended || !needs.every((c) => caps.has(c))) return undefined;
    return answers;
  } catch {
    return undefined;
  } finally {
    signal.removeEventListener('abort', stop);
    session?.logout();
  }
}

function namespace(a: Answers) {
  return a.data.find((d) => d.name === 'NAMESPACE')?.args;
}
