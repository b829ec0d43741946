/**
 * The browser side of the e2e bridge: defines `window.mailferry` exactly as the preload does (one function
 * per contract call, plus onProgress), forwarding every call over HTTP to the bridge server, which hands
 * it to the same handler table main binds to IPC. Served as a same-origin script, so the app's CSP
 * (script-src 'self', connect-src 'self') applies unchanged.
 */
import { METHODS } from '../../../src/shared/contract.js';

export function shimSource(): string {
  return `(() => {
  'use strict';
  const methods = ${JSON.stringify(METHODS)};
  const api = {};
  for (const method of methods) {
    api[method] = async (request) => {
      const res = await fetch('./__mailferry/call/' + method, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(request === undefined ? {} : { request }),
      });
      return res.json();
    };
  }
  const listeners = new Set();
  let events;
  api.onProgress = (listener) => {
    if (typeof listener !== 'function') throw new TypeError('onProgress needs a function');
    listeners.add(listener);
    if (!events) {
      events = new EventSource('./__mailferry/events');
      events.onmessage = (e) => {
        const payload = JSON.parse(e.data);
        for (const l of listeners) l(payload);
      };
    }
    return () => { listeners.delete(listener); };
  };
  Object.defineProperty(window, 'mailferry', { value: Object.freeze(api), enumerable: true });
})();
`;
}
