import type { ReactNode } from 'react';
import { api } from '../api.js';

/** Opens an https page in the user's browser (main checks the URL again before opening it). */
export function ExternalLink({ href, children }: { href: string; children: ReactNode }) {
  return (
    <a
      href={href}
      className="external"
      onClick={(event) => {
        event.preventDefault();
        void api().openExternal({ url: href });
      }}
    >
      {children}
    </a>
  );
}
