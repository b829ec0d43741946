import type { Navigate, Route } from '../route.js';

export function Header({ route, navigate }: { route: Route; navigate: Navigate }) {
  const onMailboxes = route.name !== 'settings';
  return (
    <header className="topbar">
      <span className="brand" aria-hidden="true">
        Mailferry
      </span>
      <nav aria-label="Main">
        <button type="button" className="tab" aria-current={onMailboxes ? 'page' : undefined} onClick={() => navigate({ name: 'mailboxes' })}>
          Mailboxes
        </button>
        <button type="button" className="tab" aria-current={!onMailboxes ? 'page' : undefined} onClick={() => navigate({ name: 'settings' })}>
          Settings
        </button>
      </nav>
    </header>
  );
}
