/**
 * What the keychain holds for a Microsoft destination (a user's sign-in, the app's secret or certificate),
 * asked again a moment after the address, host or client ID stops changing. The sign-in buttons set it
 * from their own answers.
 */
import { useEffect, useState } from 'react';
import type { MicrosoftCredentialState } from '../shared/contract.js';
import { api, call } from './api.js';
import { GUID_FORM } from './components/microsoft-form.js';

export function useMicrosoftCredential(address: string, host: string, clientId: string) {
  const [state, setState] = useState<MicrosoftCredentialState | null>(null);
  const addr = address.trim();
  const server = host.trim();
  const id = clientId.trim();

  useEffect(() => {
    if (!addr.includes('@')) return setState(null);
    let live = true;
    const t = setTimeout(() => {
      call(api().hasMicrosoftCredential({ address: addr, ...(server ? { host: server } : {}), ...(GUID_FORM.test(id) ? { clientId: id } : {}) })).then(
        (s) => live && setState(s),
        () => live && setState(null),
      );
    }, 250);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [addr, server, id]);

  return [state, setState] as const;
}
