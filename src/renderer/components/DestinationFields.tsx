import { MICROSOFT_IMAP_HOST } from '../../shared/contract.js';
import { ChoiceRow } from './ChoiceRow.js';
import { EndpointFields } from './EndpointFields.js';
import type { EndpointForm } from './endpoint-form.js';
import { MicrosoftDestination } from './MicrosoftDestination.js';
import { NEW_MICROSOFT, withMicrosoftServer, type MicrosoftForm } from './microsoft-form.js';

interface Props {
  value: EndpointForm;
  onChange: (next: EndpointForm) => void;
  /** The Microsoft sign-in fields, or null for another IMAP server (with a password). */
  microsoft: MicrosoftForm | null;
  onMicrosoft: (next: MicrosoftForm | null) => void;
  password: string;
  onPassword: (password: string) => void;
  editing: boolean;
  passwordStored: boolean;
  onError: (message: string) => void;
}

type Kind = 'imap' | 'microsoft';
const KINDS: ReadonlyArray<{ id: Kind; label: string }> = [
  { id: 'imap', label: 'An IMAP server' },
  { id: 'microsoft', label: 'Microsoft 365 / Outlook.com' },
];

/** The destination: any IMAP server with a password, or the Microsoft 365 / Outlook.com preset (OAuth only). */
export function DestinationFields({ value, onChange, microsoft, onMicrosoft, password, onPassword, editing, passwordStored, onError }: Props) {
  const choose = (kind: Kind) => {
    if (kind === 'microsoft') {
      onChange(withMicrosoftServer(value));
      onMicrosoft({ ...NEW_MICROSOFT });
      onPassword(''); // Microsoft takes no password over IMAP
    } else {
      onChange({ ...value, host: value.host === MICROSOFT_IMAP_HOST ? '' : value.host });
      onMicrosoft(null);
    }
  };

  return (
    <>
      {/* A saved mailbox keeps its destination account: the kind cannot change either. */}
      <ChoiceRow name="destination-kind" title="Destination" choices={KINDS} value={microsoft ? 'microsoft' : 'imap'} onChange={choose} disabled={editing} />
      {microsoft ? (
        <MicrosoftDestination value={value} onChange={onChange} microsoft={microsoft} onMicrosoft={onMicrosoft} editing={editing} onError={onError} />
      ) : (
        <>
          <EndpointFields idPrefix="destination" value={value} onChange={onChange} locked={{ host: editing, user: editing }} onError={onError} />
          <div className="field">
            <label htmlFor="destination-password">Password</label>
            <input
              id="destination-password"
              type="password"
              value={password}
              placeholder={editing && passwordStored ? 'Leave empty to keep the stored password' : ''}
              autoComplete="new-password"
              spellCheck={false}
              onChange={(e) => onPassword(e.target.value)}
            />
          </div>
        </>
      )}
    </>
  );
}
