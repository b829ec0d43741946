/**
 * App-only access to Exchange Online needs two things beside the app registration's IMAP.AccessAsApp
 * permission: Exchange must know the app's service principal, and the service principal needs FullAccess
 * on each mailbox. Both are Exchange Online PowerShell; this writes the exact block an administrator
 * pastes, one Add-MailboxPermission line per destination mailbox of the job.
 *
 * The -ObjectId is the Enterprise Application's object ID (Enterprise applications > the app > Overview),
 * not the App Registration's: with the wrong one the service principal exists but every sign-in fails.
 */
import { isGuid } from './endpoints.js';

export const OBJECT_ID_PLACEHOLDER = '<ENTERPRISE-APPLICATION-OBJECT-ID>';

/** A PowerShell single-quoted string ('' stands for '). */
function psQuote(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

export interface PermissionScript {
  appId: string;
  /** The Enterprise Application's object ID, when known. */
  objectId?: string;
  mailboxes: readonly string[];
}

export function exchangePermissionScript(p: PermissionScript): string {
  const objectId = p.objectId !== undefined && isGuid(p.objectId) ? p.objectId : OBJECT_ID_PLACEHOLDER;
  const mailboxes = [...new Set(p.mailboxes)];
  const lines = [
    `# Mailferry: app-only IMAP access for app ${p.appId} to ${mailboxes.length} mailbox${mailboxes.length === 1 ? '' : 'es'}.`,
    '# Run in Exchange Online PowerShell (Install-Module ExchangeOnlineManagement, once) as an Exchange administrator.',
    '# The app registration needs the application permission IMAP.AccessAsApp (Office 365 Exchange Online) with admin consent.',
  ];
  if (objectId === OBJECT_ID_PLACEHOLDER) {
    lines.push(
      `# Replace ${OBJECT_ID_PLACEHOLDER} below with the Object ID shown in Microsoft Entra admin center >`,
      '# Enterprise applications > (this app) > Overview. NOT the Object ID of the App Registration.',
    );
  }
  lines.push(
    'Connect-ExchangeOnline',
    `$appId = ${psQuote(p.appId)}`,
    `$objectId = ${psQuote(objectId)}`,
    'New-ServicePrincipal -AppId $appId -ObjectId $objectId',
    ...mailboxes.map((m) => `Add-MailboxPermission -Identity ${psQuote(m)} -User $objectId -AccessRights FullAccess`),
  );
  return `${lines.join('\n')}\n`;
}
