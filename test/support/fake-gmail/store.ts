/**
 * The fake Gmail account's data: messages with labels, and the folders Gmail derives from them.
 *
 * A message has one X-GM-MSGID, one set of flags and one set of labels, wherever it shows. Folders:
 *   INBOX             messages labelled \Inbox
 *   <label>           each user label, and every parent of a "/" label (Gmail lists parents as labels)
 *   [Gmail]           \Noselect parent of the system folders (name localised, see LOCALES)
 *   All Mail  \All    every message except Trash and Spam (an "archived" message is here only)
 *   Drafts    \Drafts messages labelled \Draft        Sent Mail \Sent    labelled \Sent
 *   Starred   \Flagged labelled \Starred (kept in step with the \Flagged flag)
 *   Important \Important labelled \Important
 *   Spam      \Junk   system 'spam'                   Trash     \Trash   system 'trash'
 * Trash and Spam messages show in no other folder. Each folder numbers its messages itself: UIDs ascend
 * in internal-date order, and a message keeps its UID in a folder across setMessages() as long as it
 * stays there (a newly labelled message gets the folder's next UID, like Gmail).
 */
import type { CorpusMessage } from '../corpus.js';

export type GmailLocale = 'en' | 'en-GB' | 'de';

export interface FakeMessage {
  raw: Buffer;
  /** User labels ("/" hierarchy) and system labels \Inbox \Sent \Draft \Important \Starred ('INBOX' is taken as \Inbox). */
  labels: string[];
  system?: 'trash' | 'spam';
  /** IMAP flags and keywords (\Seen \Answered \Flagged \Draft $Forwarded ...). */
  flags: string[];
  internalDate: Date;
  /** X-GM-MSGID; default from a counter above 2^60 (so a Number conversion would lose digits). */
  msgid?: bigint;
  /** X-GM-THRID; default: the msgid. */
  thrid?: bigint;
}

export interface StoredMessage {
  raw: Buffer;
  labels: string[];
  system: 'trash' | 'spam' | undefined;
  flags: Set<string>;
  internalDate: Date;
  msgid: bigint;
  thrid: bigint;
  /** Position in the list given to setMessages (tie-break for equal dates). */
  order: number;
}

export type FolderKind = 'inbox' | 'label' | 'root' | 'all' | 'drafts' | 'important' | 'sent' | 'spam' | 'starred' | 'trash';

export interface FolderDef {
  /** Unicode name; the wire form is modified UTF-7. */
  name: string;
  kind: FolderKind;
  specialUse?: string;
  selectable: boolean;
}

interface FolderState {
  uidValidity: number;
  uidNext: number;
  uids: Map<bigint, number>;
}

type SystemKind = Exclude<FolderKind, 'inbox' | 'label' | 'root'>;

export const LOCALES: Record<GmailLocale, { root: string } & Record<SystemKind, string>> = {
  en: { root: '[Gmail]', all: 'All Mail', drafts: 'Drafts', important: 'Important', sent: 'Sent Mail', spam: 'Spam', starred: 'Starred', trash: 'Trash' },
  'en-GB': { root: '[Gmail]', all: 'All Mail', drafts: 'Drafts', important: 'Important', sent: 'Sent Mail', spam: 'Spam', starred: 'Starred', trash: 'Bin' },
  de: { root: '[Google Mail]', all: 'Alle Nachrichten', drafts: 'Entwürfe', important: 'Wichtig', sent: 'Gesendet', spam: 'Spam', starred: 'Markiert', trash: 'Papierkorb' },
};

const SPECIAL_USE: Record<SystemKind, string> = {
  all: '\\All', drafts: '\\Drafts', important: '\\Important', sent: '\\Sent', spam: '\\Junk', starred: '\\Flagged', trash: '\\Trash',
};

/** Label of the system folders that hold labelled messages. */
const SYSTEM_LABEL: Partial<Record<FolderKind, string>> = { inbox: '\\Inbox', drafts: '\\Draft', sent: '\\Sent', starred: '\\Starred', important: '\\Important' };

const FIRST_MSGID = 1_790_000_000_000_000_001n;

function normalizeLabel(label: string): string {
  if (label.toUpperCase() === 'INBOX' || label.toLowerCase() === '\\inbox') return '\\Inbox';
  const system = ['\\Sent', '\\Draft', '\\Important', '\\Starred'].find((s) => s.toLowerCase() === label.toLowerCase());
  return system ?? label;
}

export class GmailStore {
  readonly locale: GmailLocale;
  #messages: StoredMessage[] = [];
  #folders: FolderDef[] = [];
  #state = new Map<string, FolderState>();
  #nextMsgid = FIRST_MSGID;
  #nextUidValidity = 1;
  #uidValidityOverrides: Record<string, number>;
  readonly #hidden: ReadonlySet<string>;
  readonly #sizeLimit: number | undefined;

  constructor(messages: FakeMessage[], opts: { locale?: GmailLocale; uidValidity?: Record<string, number>; hiddenFromImap?: string[]; folderSizeLimit?: number } = {}) {
    this.locale = opts.locale ?? 'en';
    this.#uidValidityOverrides = { ...(opts.uidValidity ?? {}) };
    this.#hidden = new Set(opts.hiddenFromImap ?? []);
    this.#sizeLimit = opts.folderSizeLimit;
    this.setMessages(messages);
  }

  /** Replaces every message. UIDs of messages that stay in a folder are kept; new ones get the next UID. */
  setMessages(messages: FakeMessage[]): void {
    const seen = new Set<bigint>();
    this.#messages = messages.map((m, order) => {
      const msgid = m.msgid ?? this.#nextMsgid++;
      if (m.msgid !== undefined && m.msgid >= this.#nextMsgid) this.#nextMsgid = m.msgid + 1n;
      if (seen.has(msgid)) throw new Error(`duplicate X-GM-MSGID ${msgid}`);
      seen.add(msgid);
      const labels = [...new Set(m.labels.map(normalizeLabel))];
      const flags = new Set(m.flags);
      // Gmail keeps Starred and the \Flagged flag in step.
      if (flags.has('\\Flagged') && !labels.includes('\\Starred')) labels.push('\\Starred');
      if (labels.includes('\\Starred')) flags.add('\\Flagged');
      return { raw: m.raw, labels, system: m.system, flags, internalDate: m.internalDate, msgid, thrid: m.thrid ?? msgid, order };
    });
    this.#buildFolders();
    for (const f of this.#folders) if (f.selectable) this.#renumber(f.name);
  }

  /** Sets a folder's UIDVALIDITY; with renumber (default) its messages get fresh UIDs from the old UIDNEXT on. */
  setUidValidity(folder: string, value: number, renumber = true): void {
    const state = this.#stateOf(folder);
    if (!state) throw new Error(`no folder ${folder}`);
    state.uidValidity = value;
    this.#uidValidityOverrides[folder] = value;
    if (renumber) {
      state.uids.clear();
      this.#renumber(folder);
    }
  }

  get messages(): readonly StoredMessage[] {
    return this.#messages;
  }

  get folders(): readonly FolderDef[] {
    return this.#folders;
  }

  folder(name: string): FolderDef | undefined {
    return this.#folders.find((f) => f.name === name || (f.kind === 'inbox' && name.toUpperCase() === 'INBOX'));
  }

  /** Name of the system folder of a kind in this locale. */
  systemFolder(kind: SystemKind | 'root'): string {
    const names = LOCALES[this.locale];
    return kind === 'root' ? names.root : `${names.root}/${names[kind]}`;
  }

  uidValidity(folder: string): number {
    return this.#stateOf(folder)?.uidValidity ?? 0;
  }

  uidNext(folder: string): number {
    return this.#stateOf(folder)?.uidNext ?? 1;
  }

  /** The folder's messages with their UIDs, ascending; with a folder size limit only the newest that many. */
  view(folder: string): Array<{ uid: number; msg: StoredMessage }> {
    const def = this.folder(folder);
    const state = def && this.#state.get(def.name);
    if (!def || !state) return [];
    const all = this.#members(def)
      .map((msg) => ({ uid: state.uids.get(msg.msgid)!, msg }))
      .sort((a, b) => a.uid - b.uid);
    return this.#sizeLimit === undefined ? all : all.slice(-this.#sizeLimit);
  }

  /** Labels as X-GM-LABELS shows them. */
  labelsOf(msg: StoredMessage): string[] {
    return msg.labels;
  }

  #stateOf(folder: string): FolderState | undefined {
    const def = this.folder(folder);
    return def ? this.#state.get(def.name) : undefined;
  }

  #members(def: FolderDef): StoredMessage[] {
    const live = (m: StoredMessage): boolean => m.system === undefined;
    switch (def.kind) {
      case 'root':
        return [];
      case 'all':
        return this.#messages.filter(live);
      case 'spam':
        return this.#messages.filter((m) => m.system === 'spam');
      case 'trash':
        return this.#messages.filter((m) => m.system === 'trash');
      case 'label':
        return this.#messages.filter((m) => live(m) && m.labels.includes(def.name));
      default:
        return this.#messages.filter((m) => live(m) && m.labels.includes(SYSTEM_LABEL[def.kind]!));
    }
  }

  #renumber(name: string): void {
    const def = this.folder(name)!;
    let state = this.#state.get(def.name);
    if (!state) {
      state = { uidValidity: this.#uidValidityOverrides[def.name] ?? this.#nextUidValidity++, uidNext: 1, uids: new Map() };
      this.#state.set(def.name, state);
    }
    const members = this.#members(def).sort((a, b) => a.internalDate.getTime() - b.internalDate.getTime() || a.order - b.order);
    const present = new Set(members.map((m) => m.msgid));
    for (const id of [...state.uids.keys()]) if (!present.has(id)) state.uids.delete(id);
    for (const m of members) if (!state.uids.has(m.msgid)) state.uids.set(m.msgid, state.uidNext++);
  }

  #buildFolders(): void {
    const userLabels = new Set<string>();
    for (const m of this.#messages) {
      if (m.system !== undefined) continue;
      for (const l of m.labels) {
        if (l.startsWith('\\')) continue;
        const parts = l.split('/');
        for (let i = 1; i <= parts.length; i++) userLabels.add(parts.slice(0, i).join('/'));
      }
    }
    const names = LOCALES[this.locale];
    userLabels.delete(names.root);
    const folders: FolderDef[] = [{ name: 'INBOX', kind: 'inbox', selectable: true }];
    for (const l of userLabels) folders.push({ name: l, kind: 'label', selectable: true });
    folders.push({ name: names.root, kind: 'root', selectable: false });
    for (const kind of Object.keys(SPECIAL_USE) as SystemKind[]) {
      folders.push({ name: `${names.root}/${names[kind]}`, kind, specialUse: SPECIAL_USE[kind], selectable: true });
    }
    // Kept across setMessages: a label that lost its last message stays a (now empty) folder.
    for (const old of this.#folders) if (!folders.some((f) => f.name === old.name)) folders.push(old);
    const rank = (f: FolderDef): number => (f.kind === 'inbox' ? 0 : 1);
    // "Show in IMAP" off: no folder at all (LIST, STATUS, SELECT), while X-GM-LABELS still names the label.
    this.#folders = folders.filter((f) => !this.#hidden.has(f.name)).sort((a, b) => rank(a) - rank(b) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

export interface FromCorpusOptions {
  /** Keep the $Important keyword in the flags too (Gmail has only the \Important label). Default false. */
  keepImportantKeyword?: boolean;
}

/**
 * Corpus messages as Gmail would hold them: 'INBOX' -> \Inbox, placement 'sent' -> \Sent, 'drafts' ->
 * \Draft, 'trash'/'spam' -> system, 'archived' -> no label; \Flagged -> \Starred, $Important -> \Important.
 */
export function fromCorpus(corpus: readonly CorpusMessage[], opts: FromCorpusOptions = {}): FakeMessage[] {
  return corpus.map((c) => {
    const labels = c.placement.labels.map(normalizeLabel);
    const sys = c.placement.system;
    if (sys === 'sent') labels.push('\\Sent');
    if (sys === 'drafts') labels.push('\\Draft');
    if (c.flags.includes('\\Flagged')) labels.push('\\Starred');
    if (c.flags.includes('$Important')) labels.push('\\Important');
    const flags = opts.keepImportantKeyword ? [...c.flags] : c.flags.filter((f) => f !== '$Important');
    const m: FakeMessage = { raw: c.raw, labels: [...new Set(labels)], flags, internalDate: c.internalDate };
    if (sys === 'trash' || sys === 'spam') m.system = sys;
    return m;
  });
}
