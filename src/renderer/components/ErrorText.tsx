import type { AppError } from '../../shared/contract.js';

/** A problem in plain words: what happened, then what to do. */
export function ErrorText({ error, compact = false }: { error: AppError; compact?: boolean }) {
  return (
    <div className={compact ? 'error compact' : 'error'} role={compact ? undefined : 'alert'}>
      <span className="error-message">{error.message}</span>
      {error.hint ? <span className="error-hint"> {error.hint}</span> : null}
    </div>
  );
}
