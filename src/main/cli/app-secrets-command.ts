/**
 * `mailferry secrets set-app-secret|import-app-certificate|delete-app CLIENT_ID ...`: what proves a
 * Microsoft app for app-only access ("auth": "oauth2-app"), kept in the OS keychain by client ID.
 *
 *   set-app-secret CLIENT_ID                       asks for the secret's Value (hidden; never from argv)
 *   import-app-certificate CLIENT_ID CERT.pem [KEY.pem]
 *                                                  the certificate uploaded to the app registration and its
 *                                                  RSA key (one PEM file may hold both; an encrypted key asks
 *                                                  for its passphrase); checked, then stored with the key
 *                                                  unencrypted in the keychain, which protects it. The files
 *                                                  can be deleted afterwards.
 *   delete-app CLIENT_ID                           removes both
 */
import { readFileSync } from 'node:fs';
import { formatErrorLine, isMailferryError, MailferryError } from '../engine/errors/errors.js';
import { appCertificates, appSecrets } from '../engine/oauth/microsoft/app-credentials.js';
import { parseAppCertificate } from '../engine/oauth/microsoft/client-assertion.js';
import { isGuid } from '../engine/oauth/microsoft/endpoints.js';
import { promptHidden } from './prompt.js';
import { SECRETS_EXIT, type SecretsCommandIo } from './secrets-command.js';

export const APP_SECRETS_USAGE = [
  'Usage: mailferry secrets set-app-secret CLIENT_ID       store a Microsoft app\'s client secret (you are asked for it)',
  '       mailferry secrets import-app-certificate CLIENT_ID CERT.pem [KEY.pem]',
  '                                                        store its certificate and private key instead',
  '       mailferry secrets delete-app CLIENT_ID           remove both',
].join('\n');

function readPem(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new MailferryError({ code: 'OAUTH_APP_CREDENTIAL', message: `Could not read ${file} (${code}).`, hint: 'Check the path.', retryable: false });
  }
}

/** The SHA-1 thumbprint as the Entra admin center shows it (hex, upper case). */
const portalThumbprint = (x5t: string) => Buffer.from(x5t, 'base64url').toString('hex').toUpperCase();

export async function runAppSecretsCommand(args: string[], io: SecretsCommandIo): Promise<number> {
  const out = (line: string) => io.output.write(`${line}\n`);
  const err = (line: string) => (io.errorOutput ?? io.output).write(`${line}\n`);
  const [action, clientId, ...files] = args;
  const arity = action === 'import-app-certificate' ? files.length === 1 || files.length === 2 : files.length === 0;
  if (!clientId || !arity) {
    err(action === 'set-app-secret' && files.length > 0 ? 'The secret is not given on the command line (it would end up in shell history); you will be asked for it.' : `Unknown or incomplete command: mailferry secrets ${args.join(' ')}`);
    err(APP_SECRETS_USAGE);
    return SECRETS_EXIT.USAGE;
  }
  if (!isGuid(clientId)) {
    err(`"${clientId}" is not an Application (client) ID: it is a GUID, on the app registration's Overview page.`);
    return SECRETS_EXIT.USAGE;
  }
  try {
    if (action === 'set-app-secret') {
      const secret = (await promptHidden(`Client secret (its Value) for app ${clientId}: `, io)).trim();
      if (secret === '') {
        err('Nothing was entered, so nothing was stored.');
        return SECRETS_EXIT.FAILED;
      }
      if (isGuid(secret)) out('Note: this looks like the Secret ID, a GUID. Microsoft wants the Value, shown once when the secret is created.');
      appSecrets.set(clientId, secret);
      out(`Stored the client secret of app ${clientId} in the OS keychain.`);
    } else if (action === 'import-app-certificate') {
      const certPem = readPem(files[0]!);
      const keyPem = files[1] === undefined ? certPem : readPem(files[1]);
      let cert;
      try {
        cert = parseAppCertificate(certPem, keyPem);
      } catch (e) {
        if (!(isMailferryError(e) && /passphrase/.test(e.message))) throw e;
        cert = parseAppCertificate(certPem, keyPem, await promptHidden('Passphrase of the private key: ', io));
      }
      appCertificates.set(clientId, { certificate: cert.certificatePem, privateKey: cert.key.export({ type: 'pkcs8', format: 'pem' }).toString() });
      out(`Stored the certificate of app ${clientId} (${cert.subject}, thumbprint ${portalThumbprint(cert.x5t)}, valid until ${cert.notAfter.toISOString().slice(0, 10)}) and its key in the OS keychain.`);
      if (cert.notAfter.getTime() < Date.now()) out('Note: this certificate has expired; Microsoft will refuse it. Upload a new one to the app registration and import that.');
    } else {
      const removed = [appSecrets.delete(clientId) && 'client secret', appCertificates.delete(clientId) && 'certificate'].filter(Boolean);
      out(removed.length ? `Deleted the ${removed.join(' and ')} of app ${clientId} from the OS keychain.` : `Nothing was stored for app ${clientId}; nothing to delete.`);
    }
    return SECRETS_EXIT.OK;
  } catch (e) {
    if (!isMailferryError(e)) throw e;
    err(formatErrorLine(e));
    return e.code === 'CANCELLED' ? SECRETS_EXIT.CANCELLED : SECRETS_EXIT.FAILED;
  }
}
