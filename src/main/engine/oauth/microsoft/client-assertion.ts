/**
 * Certificate credentials for app-only access (RFC 7523 client assertion, as Microsoft documents it): a
 * JWT signed RS256 with the app's private key, whose header names the registered certificate by its
 * thumbprints, `x5t#S256` (SHA-256 of the DER certificate, what Microsoft now asks for) and `x5t` (SHA-1,
 * for older tenants), and whose claims are aud = the token endpoint, iss = sub = the client ID, a unique
 * jti, and a short life (5 minutes; Microsoft accepts at most 10).
 */
import { createHash, createPrivateKey, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { MailferryError } from '../../errors/errors.js';
import { signJwtRs256 } from '../jwt.js';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const ASSERTION_LIFETIME_S = 300;

export interface AppCertificate {
  key: KeyObject;
  /** The certificate alone, in PEM. */
  certificatePem: string;
  /** base64url SHA-1 and SHA-256 of the DER certificate. */
  x5t: string;
  x5tS256: string;
  notAfter: Date;
  subject: string;
}

function invalid(message: string, hint: string): MailferryError {
  return new MailferryError({ code: 'OAUTH_APP_CREDENTIAL', message, hint, retryable: false });
}

/**
 * Reads a PEM certificate and its RSA private key (PKCS#8 or PKCS#1, encrypted when a passphrase is given)
 * and checks that they belong together. Throws OAUTH_APP_CREDENTIAL saying what is wrong.
 */
export function parseAppCertificate(certificatePem: string, privateKeyPem: string, passphrase?: string): AppCertificate {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(certificatePem);
  } catch {
    throw invalid('The certificate file holds no PEM certificate (-----BEGIN CERTIFICATE-----).', 'Use the certificate uploaded to the app registration, in PEM form (openssl x509 -in CERT.cer -inform der -out CERT.pem).');
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(passphrase === undefined ? privateKeyPem : { key: privateKeyPem, passphrase });
  } catch {
    // "-----BEGIN ENCRYPTED PRIVATE KEY-----" (PKCS#8) or "Proc-Type: 4,ENCRYPTED" (traditional PEM).
    const encrypted = /ENCRYPTED/.test(privateKeyPem);
    throw invalid(
      encrypted ? 'The private key is encrypted and the passphrase is missing or wrong.' : 'The key file holds no PEM private key (-----BEGIN PRIVATE KEY-----).',
      'Give the private key of the certificate in PEM form (from a .pfx: openssl pkcs12 -in APP.pfx -nocerts -nodes -out KEY.pem).',
    );
  }
  if (key.asymmetricKeyType !== 'rsa') throw invalid(`The private key is ${key.asymmetricKeyType ?? 'of an unknown type'}, not RSA.`, 'Microsoft signs app assertions with RS256: use an RSA certificate and key.');
  if (!cert.checkPrivateKey(key)) throw invalid('The private key does not belong to the certificate.', 'Give the key that was created with this certificate.');
  const digest = (alg: 'sha1' | 'sha256') => createHash(alg).update(cert.raw).digest('base64url');
  return { key, certificatePem: cert.toString(), x5t: digest('sha1'), x5tS256: digest('sha256'), notAfter: new Date(cert.validTo), subject: cert.subject.replace(/\n/g, ', ') };
}

export interface AssertionClaims {
  clientId: string;
  /** The token endpoint URL the assertion is sent to. */
  audience: string;
  /** Epoch ms. */
  now: number;
}

/** A fresh signed assertion for one token request. */
export function clientAssertion(cert: AppCertificate, c: AssertionClaims): string {
  const iat = Math.floor(c.now / 1000);
  const claims = { aud: c.audience, iss: c.clientId, sub: c.clientId, jti: randomUUID(), iat, nbf: iat, exp: iat + ASSERTION_LIFETIME_S };
  return signJwtRs256({ x5t: cert.x5t, 'x5t#S256': cert.x5tS256 }, claims, cert.key);
}
