import type { LogEntry } from '../../shared/contract.js';
import { dateTime } from '../format.js';

export function LogList({ log }: { log: LogEntry[] }) {
  if (log.length === 0) return <p className="muted">Nothing has happened yet.</p>;
  return (
    <ol className="log" aria-label="Log, newest first">
      {[...log].reverse().map((e, i) => (
        <li key={`${e.at}-${i}`} className={`log-${e.level}`}>
          <time className="num" dateTime={new Date(e.at).toISOString()}>
            {dateTime(e.at)}
          </time>
          <span>{e.message}</span>
        </li>
      ))}
    </ol>
  );
}
