import { useEffect, useState, type FormEvent } from 'react';
import { SETTINGS_LIMITS, type AppError, type AppInfo, type NumericSetting } from '../../shared/contract.js';
import { api, asAppError, call } from '../api.js';
import { ErrorText } from './ErrorText.js';

type Field = NumericSetting;

const FIELDS: Array<{ key: Field; label: string; note: string }> = [
  {
    key: 'connectionsPerAccount',
    label: 'Connections per account',
    note: 'Gmail allows 15 for all your devices together; 4 leaves room for your phone and mail program.',
  },
  { key: 'parallelMailboxes', label: 'Mailboxes at the same time', note: 'The others wait in the queue and start by themselves.' },
  {
    key: 'bandwidthLimitKBps',
    label: 'Bandwidth cap (KB/s, 0 = none)',
    note: 'Shared by all mailboxes; applies to migrations started after saving.',
  },
];

export function SettingsView() {
  const [form, setForm] = useState<Record<Field, string> | null>(null);
  const [notifications, setNotifications] = useState(true);
  const [info, setInfo] = useState<AppInfo | null>(null);
  const [error, setError] = useState<AppError | null>(null);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    call(api().getSettings()).then(
      (s) => {
        setForm({ connectionsPerAccount: String(s.connectionsPerAccount), parallelMailboxes: String(s.parallelMailboxes), bandwidthLimitKBps: String(s.bandwidthLimitKBps) });
        setNotifications(s.notifications);
      },
      (err: unknown) => setError(asAppError(err)),
    );
    call(api().getAppInfo()).then(setInfo, () => undefined);
  }, []);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    if (!form) return;
    setError(null);
    setSaved(false);
    try {
      await call(
        api().saveSettings({
          connectionsPerAccount: Number(form.connectionsPerAccount),
          parallelMailboxes: Number(form.parallelMailboxes),
          bandwidthLimitKBps: Number(form.bandwidthLimitKBps),
          notifications,
        }),
      );
      setSaved(true);
    } catch (err) {
      setError(asAppError(err));
    }
  };

  return (
    <form className="form settings" onSubmit={(e) => void save(e)} noValidate>
      <div className="view-head">
        <h1 tabIndex={-1}>Settings</h1>
      </div>
      {form === null && !error ? <p className="muted">Loading…</p> : null}
      {form ? (
        <fieldset>
          <legend>Speed</legend>
          {FIELDS.map((f) => (
            <div className="field" key={f.key}>
              <label htmlFor={`setting-${f.key}`}>{f.label}</label>
              <input
                id={`setting-${f.key}`}
                type="number"
                className="narrow"
                min={SETTINGS_LIMITS[f.key].min}
                max={SETTINGS_LIMITS[f.key].max}
                value={form[f.key]}
                aria-describedby={`setting-${f.key}-note`}
                onChange={(e) => setForm({ ...form, [f.key]: e.target.value })}
              />
              <p id={`setting-${f.key}-note`} className="field-note">
                {f.note}
              </p>
            </div>
          ))}
          <p className="muted">New values apply to the next mailbox that starts or resumes.</p>
        </fieldset>
      ) : null}
      {form ? (
        <fieldset>
          <legend>Notifications</legend>
          <label className="check-label">
            <input type="checkbox" id="setting-notifications" checked={notifications} onChange={(e) => setNotifications(e.target.checked)} /> Tell me when a mailbox needs
            attention and when everything is done
          </label>
          <p className="field-note">A desktop notification when a mailbox stops, waits a long time for Gmail’s daily limit, or is in use by another Mailferry run.</p>
        </fieldset>
      ) : null}
      <fieldset>
        <legend>Appearance</legend>
        <p>Mailferry follows your system’s light or dark appearance.</p>
      </fieldset>
      {info ? (
        <fieldset>
          <legend>About</legend>
          <p>
            Mailferry {info.version}. Settings and the record of copied messages are kept in <code>{info.dataDir}</code>. Passwords are kept in your system’s keychain only.
          </p>
        </fieldset>
      ) : null}
      {error ? <ErrorText error={error} /> : null}
      <div className="form-actions">
        <button type="submit" className="btn primary" disabled={!form}>
          Save settings
        </button>
        <span role="status" className="good">
          {saved ? 'Saved.' : ''}
        </span>
      </div>
    </form>
  );
}
