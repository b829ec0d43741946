import { ExternalLink } from './ExternalLink.js';

/** How to get the OAuth client that Sign in with Google needs, and why it is the user's own. */
export function OAuthClientHelp() {
  return (
    <details className="help" open>
      <summary>How to get an OAuth client ID</summary>
      <ol>
        <li>
          Open the <ExternalLink href="https://console.cloud.google.com/apis/credentials">Google Cloud console › APIs &amp; Services › Credentials</ExternalLink> (any project of
          yours; for Workspace, one your administrator allows).
        </li>
        <li>Create credentials › OAuth client ID › Application type “Desktop app”, named “Mailferry”.</li>
        <li>Copy its client ID and client secret here. The secret goes to your system’s keychain.</li>
      </ol>
      <p className="muted">
        Why your own client: Mailferry is not a hosted service and ships no Google client of its own. With yours, you decide which accounts may use it, and the sign-in goes
        straight from Google to this computer. Your browser shows Google’s page; Mailferry never sees your Google password.
      </p>
    </details>
  );
}
