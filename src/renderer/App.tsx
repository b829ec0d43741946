import { useCallback, useEffect, useRef, useState } from 'react';
import { getApi } from './api.js';
import { Header } from './components/Header.js';
import { ImportView } from './components/ImportView.js';
import { MailboxDetailView } from './components/MailboxDetailView.js';
import { MailboxForm } from './components/MailboxForm.js';
import { MailboxesView } from './components/MailboxesView.js';
import { MappingPreviewView } from './components/MappingPreviewView.js';
import { SettingsView } from './components/SettingsView.js';
import { ErrorText } from './components/ErrorText.js';
import type { Route } from './route.js';
import { useMailboxes } from './use-mailboxes.js';

export function App() {
  const [route, setRoute] = useState<Route>({ name: 'mailboxes' });
  const mailboxes = useMailboxes();
  const main = useRef<HTMLElement>(null);
  const first = useRef(true);

  const navigate = useCallback((r: Route) => setRoute(r), []);

  // Keyboard and screen-reader users land on the new view's heading.
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [route]);

  if (!getApi()) {
    return (
      <main className="view">
        <h1>Mailferry</h1>
        <ErrorText error={{ code: 'NO_BRIDGE', message: 'This page must be opened by the Mailferry app.' }} />
      </main>
    );
  }

  // A mailbox view before the list has loaded, or after the mailbox was removed elsewhere.
  const missing = (
    <p className="muted" role="status">
      {mailboxes.views === null ? 'Loading…' : 'This mailbox is no longer there.'}
    </p>
  );

  const view = (() => {
    switch (route.name) {
      case 'mailboxes':
        return <MailboxesView state={mailboxes} navigate={navigate} />;
      case 'add':
        return <MailboxForm key="add" navigate={navigate} onSaved={mailboxes.reload} />;
      case 'import':
        return <ImportView navigate={navigate} onImported={mailboxes.reload} />;
      case 'edit': {
        const v = mailboxes.views?.find((x) => x.config.id === route.id);
        return v ? <MailboxForm key={route.id} existing={v} navigate={navigate} onSaved={mailboxes.reload} /> : missing;
      }
      case 'preview':
        return <MappingPreviewView key={route.id} id={route.id} navigate={navigate} onStarted={mailboxes.applyStatuses} views={() => mailboxes.views ?? []} />;
      case 'detail': {
        const v = mailboxes.views?.find((x) => x.config.id === route.id);
        return v ? <MailboxDetailView key={route.id} view={v} navigate={navigate} state={mailboxes} /> : missing;
      }
      case 'settings':
        return <SettingsView />;
    }
  })();

  return (
    <div className="app">
      <Header route={route} navigate={navigate} />
      <main ref={main} className="view">
        {view}
      </main>
    </div>
  );
}
