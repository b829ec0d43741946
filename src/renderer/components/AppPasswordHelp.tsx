import { ExternalLink } from './ExternalLink.js';

/** How to get a Gmail app password, next to the field that needs it. */
export function AppPasswordHelp() {
  return (
    <details className="help" open>
      <summary>How to get an app password</summary>
      <ol>
        <li>
          Turn on 2-Step Verification for the Google account (<ExternalLink href="https://myaccount.google.com/security">Google Account › Security</ExternalLink>). App
          passwords exist only when it is on.
        </li>
        <li>
          Open <ExternalLink href="https://myaccount.google.com/apppasswords">myaccount.google.com/apppasswords</ExternalLink> and create one named “Mailferry”.
        </li>
        <li>Paste the 16 letters Google shows (abcd efgh ijkl mnop): the spaces are removed for you. Google shows it only once.</li>
        <li>IMAP must be on: Gmail › Settings › See all settings › Forwarding and POP/IMAP › Enable IMAP. For Workspace, your administrator may have to allow it.</li>
      </ol>
      <p className="muted">The password goes straight to your system’s keychain. Revoke it on the same page when the migration is done.</p>
    </details>
  );
}
