/**
 * The requests and answers of the sign-in calls of the contract (contract.ts re-exports them): Sign in with
 * Google for the source, Sign in with Microsoft and app-only access for a Microsoft 365 / Outlook.com
 * destination. Secrets travel renderer -> main only; the answers say what is stored, never what.
 */

/**
 * Sign in with Google: main opens the system browser on Google's page and waits for the loopback redirect.
 * The refresh token and the client secret go to the OS keychain; nothing secret comes back.
 */
export interface GoogleSignInRequest {
  /** The Gmail address (the source user). */
  address: string;
  clientId: string;
  /** Needed the first time for a client ID; left out, the one in the keychain is used. */
  clientSecret?: string;
  /** The source IMAP host the sign-in is for; default imap.gmail.com. */
  host?: string;
}

export interface GoogleSignInState {
  /** A Google sign-in (refresh token) is in the keychain for this address. */
  signedIn: boolean;
  /** Whether the keychain holds the client secret of the given client ID (null when none was given). */
  clientSecretStored: boolean | null;
}

/**
 * Sign in with Microsoft (delegated: the destination user signs in): main opens the system browser on
 * Microsoft's authorize page and waits for the loopback redirect; the refresh token goes to the keychain.
 */
export interface MicrosoftSignInRequest {
  /** The destination mailbox (its user). */
  address: string;
  /** The app registration's Application (client) ID, a GUID. */
  clientId: string;
  tenant: string;
  authority?: string;
  /** The destination IMAP host the sign-in is for; default outlook.office365.com. */
  host?: string;
}

/**
 * Whole organisation (app-only): the app's client secret, or a PEM file with its certificate and private key,
 * checked with Microsoft (an app token is asked for) and only then stored in the keychain, by client ID.
 */
export interface MicrosoftAppCredentialRequest {
  address: string;
  clientId: string;
  /** The organisation's Directory (tenant) ID or domain. */
  tenant: string;
  authority?: string;
  host?: string;
  /** Exactly one of the two. */
  clientSecret?: string;
  certificateFile?: string;
}

export interface MicrosoftCredentialState {
  /** A Microsoft sign-in (refresh token) of this address on this host is in the keychain. */
  signedIn: boolean;
  /** What the keychain holds for app-only access with the given client ID; null when none was given. */
  appCredential: 'certificate' | 'secret' | 'none' | null;
}
