/**
 * The engine's hints for a Workspace service account and a Google Takeout export are written for the command
 * line and the job file ("import it with `npx mailferry secrets import-service-account KEY.json`", "point
 * "source.takeout" at that file", "run the same job again"); in the window they are the mailbox form's
 * buttons. CLOCK_SKEW and OAUTH_CONSENT_REQUIRED end in "run again": in the window, test or start again.
 * One table of rewrites, applied in order; other hints come back unchanged.
 */

const SETTINGS = 'the mailbox’s settings (Edit)';
const IMPORT = `“Import key file…” under Whole Google Workspace domain in ${SETTINGS}`;
const IMPORT_COMMAND = String.raw`\x60?npx mailferry secrets import-service-account KEY\.json\x60?`;

const HINTS: ReadonlyArray<readonly [RegExp, string]> = [
  // SECRET_MISSING: no key stored for the mailbox's service account.
  [new RegExp(String.raw`Import the service account's JSON key once: ${IMPORT_COMMAND}\. "serviceAccount" in the job is its client e-mail or client ID, as the import printed them\.`, 'g'), `Import the service account’s JSON key with ${IMPORT}.`],
  [new RegExp(String.raw`and import it with ${IMPORT_COMMAND}; then delete the file\.`, 'g'), `and import it with ${IMPORT} (Mailferry offers to delete the file then).`],
  [new RegExp(String.raw`Import it again: ${IMPORT_COMMAND}`, 'g'), `Import it again with ${IMPORT}`],
  [new RegExp(IMPORT_COMMAND, 'g'), IMPORT],
  [/ \(README, "Whole Workspace domain"\), grant its client ID domain-wide delegation, import the key and name it in the job\./g, ', grant its client ID domain-wide delegation and import its key in the mailbox’s settings (Edit).'],
  [/Give the user's primary address in the job \("user"\)/g, 'Use the user’s primary address as the Gmail address'],
  // Takeout: the file is chosen in the form, and a run is started, not a job.
  [/Point "source\.takeout" in the job file at the \.mbox, \.tgz or \.zip file Takeout delivered, and check that it can be read\./g, `Choose the .mbox, .tgz or .zip file Takeout delivered in ${SETTINGS}.`],
  [/, and point "source\.takeout" at that file\./g, `, and choose that file in ${SETTINGS}.`],
  [/run the same job again: what was copied/g, 'start the mailbox again: what was copied'],
];

/** After a clock or delegation fix, the window's next step is a button, not a command. */
const RUN_AGAIN: Readonly<Record<string, readonly [RegExp, string]>> = {
  CLOCK_SKEW: [/,? then run again\./, ', then Test the mailbox or start it again.'],
  OAUTH_CONSENT_REQUIRED: [/; then run again\./, '; then Test the mailbox or start it again.'],
};

export function googleSourceHintForTheWindow(hint: string, code?: string): string {
  const words = HINTS.reduce((text, [pattern, replacement]) => text.replace(pattern, replacement), hint);
  const again = code ? RUN_AGAIN[code] : undefined;
  return again ? words.replace(again[0], again[1]) : words;
}
