import type { MailferryApi } from '../shared/contract.js';

declare global {
  interface Window {
    /** Exposed by the preload (or, in the e2e test, by the bridge shim). */
    mailferry?: MailferryApi;
  }
}
