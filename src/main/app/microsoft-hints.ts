/**
 * The engine's Microsoft hints are written for the command line and the job file (`npx mailferry signin ...
 * --provider microsoft`, `secrets set-app-secret`, "oauthClientId"); in the window those are the mailbox
 * form's buttons and fields. One table of rewrites, applied in order.
 */

/** The engine's microsoftSigninLine(), up to its last word (a sentence's full stop stays outside). */
const LINE = String.raw`npx mailferry signin \S+ \S+ --provider microsoft --tenant \S+ --client-id \S+?(?: --authority \S+?)?(?=\.?(?:\s|$))`;
const SETTINGS = 'the mailbox’s settings (Edit)';
const APP_CREDENTIAL_COMMAND = String.raw`npx mailferry secrets (?:set-app-secret|import-app-certificate) \S+?(?: CERT\.pem KEY\.pem)?(?=\.?(?:\s|$))`;

const REWRITES: ReadonlyArray<readonly [RegExp, string]> = [
  // Multi-factor: the CLI says "not with --device-code"; the window's sign-in is always in the browser.
  [
    new RegExp(String.raw`Sign in again in the browser \(not with --device-code\), where Microsoft asks for the second factor: ${LINE}`, 'g'),
    `Sign in with Microsoft again in ${SETTINGS}; Microsoft asks for the second factor in the browser`,
  ],
  [new RegExp(String.raw`(?:Sign in again|Run):? ${LINE}`, 'g'), `Sign in with Microsoft again in ${SETTINGS}`],
  // The IMAP refusal of a delegated token (classify-error.ts) spells the command with placeholders.
  [/Sign in again as (\S+) with `npx mailferry signin [^`]*` \(the same tenant and client ID as before\)/g, `Sign in with Microsoft again as $1 in ${SETTINGS}`],
  [/Store one: .* for a headless run\./g, `Store the app’s client secret or certificate under Whole organisation in ${SETTINGS}.`],
  [/ \(or in the variable named by "clientSecretEnv"\)/g, ''],
  [new RegExp(String.raw`(?: with|:) ${APP_CREDENTIAL_COMMAND}`, 'g'), ` under Whole organisation in ${SETTINGS}`],
  [
    /run `npx mailferry exchange-permissions JOB\.json` and have an administrator paste its lines/g,
    'click Copy PowerShell under Whole organisation in the mailbox’s settings (Edit) and have an Exchange administrator paste it',
  ],
  [/"oauthClientId"/g, 'the Application (client) ID'],
  [/"tenant"/g, 'the tenant'],
  [/ \("auth": "oauth2-app"\)/g, ' (Whole organisation)'],
  [/ \("auth": "oauth2"\)/g, ' (Sign in with Microsoft)'],
];

/** A hint of the engine's Microsoft errors in the window's words; other hints come back unchanged. */
export function microsoftHintForTheWindow(hint: string): string {
  return REWRITES.reduce((text, [pattern, words]) => text.replace(pattern, words), hint);
}
