import type { MicrosoftAuth } from '../../shared/contract.js';
import { ExternalLink } from './ExternalLink.js';

/** The exact app registration steps in the Microsoft Entra admin center, for the sign-in chosen. */
export function MicrosoftAppHelp({ auth }: { auth: MicrosoftAuth }) {
  const entra = <ExternalLink href="https://entra.microsoft.com/">Microsoft Entra admin center</ExternalLink>;
  if (auth === 'oauth2-app') {
    return (
      <details className="help" open>
        <summary>How to give the app the whole organisation (administrators)</summary>
        <ol>
          <li>
            In the {entra}, App registrations › your app (or a separate one for app-only access): keep “Allow public client flows” off. Copy its Application (client) ID, and
            its Directory (tenant) ID as the tenant.
          </li>
          <li>
            Certificates &amp; secrets: a new client secret (enter its <strong>Value</strong>, not the Secret ID), or upload a certificate and choose its PEM file with the private
            key here. It goes to your system’s keychain.
          </li>
          <li>
            API permissions › Add a permission › APIs my organization uses › Office 365 Exchange Online › Application permissions › <code>IMAP.AccessAsApp</code>, then “Grant
            admin consent”.
          </li>
          <li>
            In Exchange Online PowerShell, register the app’s service principal and give it this mailbox (<code>New-ServicePrincipal</code>,{' '}
            <code>Add-MailboxPermission … -AccessRights FullAccess</code>): Copy PowerShell writes the lines. Its object ID is the Enterprise application’s (Enterprise
            applications › the app › Overview), not the App Registration’s.
          </li>
        </ol>
      </details>
    );
  }
  return (
    <details className="help" open>
      <summary>How to register the app Mailferry signs in with</summary>
      <ol>
        <li>
          In the {entra}, App registrations › New registration. Supported account types: your organisation only, or “any organizational directory and personal Microsoft
          accounts” for Outlook.com. Copy its Application (client) ID here.
        </li>
        <li>
          Authentication › Add a platform › Mobile and desktop applications, redirect URI <code>http://localhost</code>. No client secret. “Allow public client flows” is
          needed only for the command line’s device code sign-in.
        </li>
        <li>
          API permissions › Add a permission › APIs my organization uses › Office 365 Exchange Online › Delegated permissions › <code>IMAP.AccessAsUser.All</code>; and
          Microsoft Graph › <code>offline_access</code>. Where users may not consent, an administrator clicks “Grant admin consent”.
        </li>
        <li>Outlook.com only: turn IMAP on (Outlook.com › Settings › Mail › Forwarding and IMAP › “Let devices and apps use IMAP”).</li>
      </ol>
      <p className="muted">Your browser shows Microsoft’s page; Mailferry never sees your Microsoft password. The sign-in comes back to this computer only.</p>
    </details>
  );
}
