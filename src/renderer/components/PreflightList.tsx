import type { AppError, Finding } from '../../shared/contract.js';

/** Findings, each with its "What to do" (also the Start guard's list). */
export function FindingItems({ items }: { items: readonly Finding[] }) {
  return (
    <ul className="finding-list">
      {items.map((f, i) => (
        <li key={`${f.code}-${i}`} className="finding" data-code={f.code}>
          <p className="finding-message">{f.message}</p>
          {f.hint ? (
            <p className="finding-hint">
              <strong>What to do:</strong> {f.hint}
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

const plural = (n: number, one: string) => `${n} ${n === 1 ? one : `${one}s`}`;

/**
 * What a test found before anything is copied: the failed sign-ins and blockers (they stop the migration)
 * apart from the warnings (it goes ahead), each with what to do. Nothing when there is nothing to say.
 */
export function PreflightList({ problems = [], blockers, warnings }: { problems?: readonly AppError[]; blockers: readonly Finding[]; warnings: readonly Finding[] }) {
  const stops = [...problems, ...blockers];
  if (stops.length === 0 && warnings.length === 0) return null;
  return (
    <div className="preflight">
      {stops.length > 0 ? (
        <section className="findings blockers" aria-label="Blockers">
          <h3>
            <span className="finding-mark" aria-hidden="true">
              ✕
            </span>{' '}
            {plural(stops.length, 'blocker')}: {stops.length === 1 ? 'it stops' : 'they stop'} the migration until fixed
          </h3>
          <FindingItems items={stops} />
        </section>
      ) : null}
      {warnings.length > 0 ? (
        <section className="findings warnings" aria-label="Warnings">
          <h3>
            <span className="finding-mark" aria-hidden="true">
              !
            </span>{' '}
            {plural(warnings.length, 'warning')}: the migration goes ahead, but know this first
          </h3>
          <FindingItems items={warnings} />
        </section>
      ) : null}
    </div>
  );
}
