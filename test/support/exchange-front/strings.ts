/**
 * Exchange Online's words. Everything in `EXCHANGE` is verbatim from destination-facts.md (Microsoft 365
 * section) and is what tests pin; `EXCHANGE_GUESSED` are lines the facts do not give, written in Exchange's
 * style so nothing Dovecot-specific leaks through (tests should not rely on their exact text).
 */
export const EXCHANGE = {
  greeting: (banner: string) => `* OK The Microsoft Exchange IMAP4 service is ready. [${banner}]`,
  capabilityBeforeSignIn: 'IMAP4 IMAP4rev1 AUTH=PLAIN AUTH=XOAUTH2 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+',
  /** "The same set without AUTH=": no MULTIAPPEND, SPECIAL-USE, CONDSTORE, QUOTA, APPENDLIMIT, ENABLE, COMPRESS. */
  capabilityAfterSignIn: 'IMAP4 IMAP4rev1 SASL-IR UIDPLUS MOVE ID UNSELECT CHILDREN IDLE NAMESPACE LITERAL+',
  namespace: '* NAMESPACE (("" "/")) NIL NIL',
  permanentFlags: '\\Seen \\Answered \\Flagged \\Deleted \\Draft $MDNSent',
  loginFailed: 'NO LOGIN failed.',
  authenticateFailed: 'NO AUTHENTICATE failed.',
  authenticateCompleted: 'OK AUTHENTICATE completed.',
  notConnected: 'BAD User is authenticated but not connected.',
  /** The catch-all: a keyword in APPEND/STORE, a line over about 10,500 characters. */
  argumentError: 'BAD Command Argument Error. 11',
  reservedName: 'NO Folder name is reserved.',
  alreadyExists: 'NO Mailbox already exists.',
  tooBig: 'NO Maximum size of appendable message has been exceeded.',
  throttled: (backoffMs: number) => `BAD Request is throttled. Suggested Backoff Time: ${backoffMs} milliseconds`,
  tokenExpired: '* BYE Session invalidated - AccessTokenExpired',
  tooManyErrors: '* BYE Connection closed',
} as const;

export const EXCHANGE_GUESSED = {
  /** The text of every tagged OK: `A1 OK [READ-WRITE] SELECT completed.` */
  completed: (command: string) => `${command} completed.`,
  unknownCommand: 'BAD Command Error. 10',
  invalidState: 'BAD Command received in Invalid state.',
  logout: '* BYE Microsoft Exchange Server IMAP4 server signing off.',
  continuation: '+ Ready for additional command text.',
  idling: '+ IDLE accepted, awaiting DONE command.',
  id: '* ID NIL',
} as const;

/** The flags a message may carry on Exchange; anything else in APPEND/STORE is refused. */
export const EXCHANGE_FLAGS: ReadonlySet<string> = new Set(EXCHANGE.permanentFlags.toLowerCase().split(' '));

export interface ExchangeFolder {
  name: string;
  /** LIST attribute Exchange puts on it (without advertising SPECIAL-USE). */
  specialUse?: string;
}

/**
 * A new Exchange Online mailbox: the four marked folders (captured), Outbox and Conversation History, and
 * the non-mail folders Calendar and Contacts, which a client must neither pick as a target nor copy from.
 */
export const EXCHANGE_FOLDERS: readonly ExchangeFolder[] = [
  { name: 'Sent Items', specialUse: '\\Sent' },
  { name: 'Drafts', specialUse: '\\Drafts' },
  { name: 'Deleted Items', specialUse: '\\Trash' },
  { name: 'Junk Email', specialUse: '\\Junk' },
  { name: 'Outbox' },
  { name: 'Conversation History' },
  { name: 'Calendar' },
  { name: 'Contacts' },
];

/** Header fields Exchange's store puts on top of a message it serves back (it rebuilds every message). */
export const EXCHANGE_ADDED_HEADERS: readonly string[] = [
  'X-MS-Exchange-Organization-AuthAs: Internal',
  'X-MS-Exchange-Organization-AuthSource: AM0PR01MB0001.eurprd01.prod.exchangelabs.com',
  'X-MS-Exchange-Organization-SCL: -1',
  'X-MS-Has-Attach:',
  'X-MS-TNEF-Correlator:',
];

/** The greeting's bracket: base64 of the UTF-16LE name of the front-end server, as Exchange sends it. */
export const GREETING_BANNER = Buffer.from('AM0PR01CA0001.EURPRD01.PROD.EXCHANGELABS.COM', 'utf16le').toString('base64');
