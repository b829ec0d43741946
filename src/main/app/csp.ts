/**
 * The window's Content Security Policy, sent as a response header by the app:// protocol (and by the e2e
 * bridge) and repeated as a <meta> tag in src/renderer/index.html (a unit test keeps the two equal).
 *
 * Only the app's own files run: no inline script or style, no eval, no plugins, no frames, no forms, no
 * <base>. connect-src 'self' is the app's own origin (nothing to reach there in Electron, where all data
 * comes over IPC; the e2e bridge serves the same contract there), so the window can never talk to the
 * network. React sets styles through the CSSOM, which style-src does not restrict, so no 'unsafe-inline'.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "object-src 'none'",
  "frame-src 'none'",
  "worker-src 'none'",
  "manifest-src 'none'",
].join('; ');

/** frame-ancestors only works as a header (a <meta> CSP ignores it). */
export const CSP_HEADER = `${CONTENT_SECURITY_POLICY}; frame-ancestors 'none'`;

/** Headers every response of the window's origin carries. */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'Content-Security-Policy': CSP_HEADER,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
});
