import type { MappingRow } from '../../shared/contract.js';
import { bytes, count } from '../format.js';

interface Props {
  rows: MappingRow[];
  included: Set<string>;
  onToggle: (source: string) => void;
}

const ROLE_WORDS: Record<string, string> = {
  inbox: 'Inbox',
  special: 'System folder',
  label: 'Label',
  archive: 'Archived mail',
  view: 'View',
  noselect: 'Container',
  excluded: 'Excluded',
};

export function MappingTable({ rows, included, onToggle }: Props) {
  return (
    <table className="mapping">
      <colgroup>
        <col className="w-check" />
        <col />
        <col />
        <col className="w-kind" />
        <col className="w-num" />
        <col className="w-num" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Copy</th>
          <th scope="col">Gmail folder</th>
          <th scope="col">Destination folder</th>
          <th scope="col">Kind</th>
          <th scope="col" className="num">
            Messages
          </th>
          <th scope="col" className="num">
            Size
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => {
          const on = r.toggleable && included.has(r.source);
          return (
            <tr key={r.source} className={on ? '' : 'off'}>
              <td>
                {r.toggleable ? (
                  <input type="checkbox" checked={on} aria-label={`Copy ${r.source}`} onChange={() => onToggle(r.source)} />
                ) : (
                  <span className="muted" aria-label="not copied">
                    –
                  </span>
                )}
              </td>
              <td className="folder">{r.source}</td>
              <td className="folder">
                {r.target ?? <span className="muted">not copied</span>}
                {r.note ? <div className="note">{r.note}</div> : null}
              </td>
              <td>{ROLE_WORDS[r.role] ?? r.role}</td>
              <td className="num">{r.toggleable ? count(r.messages) : '—'}</td>
              <td className="num">{r.toggleable ? bytes(r.sizeBytes) : '—'}</td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
