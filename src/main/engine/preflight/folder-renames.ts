/**
 * Folder names the destination will refuse, said before the run. The mapping already renames what no IMAP
 * server takes (its separator inside a label, "*", "%"...); Cyrus also refuses `" % \ ; < >` and the run
 * then creates the name folder-create.ts's safeName gives. Where the destination is Cyrus that rename is
 * certain; where its family is unknown it may refuse the same, so the name it would get is said too.
 */
import type { FolderMapping } from '../plan/folder-mapping.js';
import { safeName } from '../plan/folder-create.js';
import type { ServerFamily } from '../servers/server-profiles.js';

export interface StrictRename {
  source: string;
  target: string;
  safe: string;
}

/** Families whose refusals safeName answers: Cyrus for sure, an unknown server perhaps. */
const ASKED: ReadonlyArray<ServerFamily | undefined> = ['cyrus', undefined];

/** The folders still to be created whose name holds a character strict servers refuse. */
export function strictRenames(mappings: FolderMapping[], family: ServerFamily | undefined, ns: { prefix: string; delimiter: string }): StrictRename[] {
  if (!ASKED.includes(family)) return [];
  const out: StrictRename[] = [];
  for (const m of mappings) {
    if (m.target === null || m.targetExists) continue;
    const safe = safeName(m.target, ns);
    if (safe !== m.target) out.push({ source: m.source, target: m.target, safe });
  }
  return out;
}

/** One warning for them all (the first ten named), in words that fit the family. */
export function strictRenameWarning(renames: StrictRename[], family: ServerFamily | undefined): string | undefined {
  if (renames.length === 0) return undefined;
  const shown = renames.slice(0, 10).map((r) => `"${r.source}" will be renamed to "${r.safe}"`);
  const more = renames.length > shown.length ? `, and ${renames.length - shown.length} more` : '';
  const why = family === 'cyrus'
    ? 'the destination (Cyrus) refuses " % \\ ; < > in folder names'
    : 'if the destination refuses " % \\ ; < > * ? | in folder names, as Cyrus-family servers (Fastmail) do';
  return `${shown.join('; ')}${more}: ${why}. The messages are all copied, into the renamed folder${renames.length > 1 ? 's' : ''}; the same name is used on every run.`;
}

/** The note a mapping row gets (the app's preview and `test --details` show it). */
export function strictRenameNote(r: StrictRename, family: ServerFamily | undefined): string {
  return family === 'cyrus' ? `will be renamed to "${r.safe}": Cyrus refuses this name` : `will be renamed to "${r.safe}" if the server refuses this name`;
}
