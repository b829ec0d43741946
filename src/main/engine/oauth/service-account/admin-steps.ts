/**
 * What a Workspace administrator does so a service account may read the domain's mailboxes, in the
 * console's own words: one place for the import command, the error hints and (later) the desktop app.
 */
import { GMAIL_IMAP_SCOPE } from '../google-endpoints.js';

export const DELEGATION_PAGE = 'Admin console (admin.google.com) > Security > Access and data control > API controls > Domain-wide delegation';
/** What stores a key (the one way a key gets into Mailferry). */
export const IMPORT_KEY_COMMAND = 'npx mailferry secrets import-service-account KEY.json';
export const IMAP_SETTING = 'Admin console > Apps > Google Workspace > Gmail > End User Access > POP and IMAP access';

/** The steps left once the key is in hand, numbered, for a terminal. */
export function delegationSteps(clientId: string): string[] {
  return [
    `1. ${DELEGATION_PAGE} > Add new.`,
    `2. Client ID: ${clientId} (the number, not the e-mail address). OAuth scopes: ${GMAIL_IMAP_SCOPE} (exactly; no other scope is needed). Authorize.`,
    `3. ${IMAP_SETTING}: allow IMAP for the users to migrate (on by default).`,
    '   Google applies the delegation within minutes, at times up to 24 hours.',
  ];
}
