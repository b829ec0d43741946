/**
 * The list of mailboxes, kept current: loaded once, then every progress batch from main replaces the
 * status of the mailboxes it names. `reload` after adding, editing or removing one.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AppError, MailboxStatus, MailboxView } from '../shared/contract.js';
import { api, asAppError, call } from './api.js';

export interface MailboxesState {
  views: MailboxView[] | null;
  error: AppError | null;
  reload: () => Promise<void>;
  /** Applies statuses returned by a control call at once (the progress batch follows anyway). */
  applyStatuses: (statuses: MailboxStatus[]) => void;
}

function withStatuses(views: MailboxView[] | null, statuses: MailboxStatus[]): MailboxView[] | null {
  if (!views) return views;
  const byId = new Map(statuses.map((s) => [s.id, s]));
  return views.map((v) => {
    const s = byId.get(v.config.id);
    return s ? { ...v, status: s } : v;
  });
}

export function useMailboxes(): MailboxesState {
  const [views, setViews] = useState<MailboxView[] | null>(null);
  const [error, setError] = useState<AppError | null>(null);

  const reload = useCallback(async () => {
    try {
      setViews(await call(api().listMailboxes()));
      setError(null);
    } catch (err) {
      setError(asAppError(err));
    }
  }, []);

  const applyStatuses = useCallback((statuses: MailboxStatus[]) => setViews((v) => withStatuses(v, statuses)), []);

  useEffect(() => {
    void reload();
    try {
      return api().onProgress((event) => applyStatuses(event.statuses));
    } catch (err) {
      setError(asAppError(err));
      return undefined;
    }
  }, [reload, applyStatuses]);

  return { views, error, reload, applyStatuses };
}
