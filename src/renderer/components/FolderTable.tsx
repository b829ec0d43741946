import type { FolderProgress } from '../../shared/contract.js';
import { count } from '../format.js';

/** Per folder: what the source holds and what happened to it. Views and excluded folders come last. */
export function FolderTable({ folders }: { folders: FolderProgress[] }) {
  if (folders.length === 0) return <p className="muted">The folders appear here once the mailbox has been planned.</p>;
  const sorted = [...folders].sort((a, b) => Number(a.target === null) - Number(b.target === null));
  return (
    <table className="folders">
      <colgroup>
        <col />
        <col />
        <col className="w-num" />
        <col className="w-num" />
        <col className="w-num" />
        <col className="w-num" />
        <col className="w-num" />
        <col className="w-status" />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Gmail folder</th>
          <th scope="col">Destination folder</th>
          <th scope="col" className="num">
            In source
          </th>
          <th scope="col" className="num">
            Copied
          </th>
          <th scope="col" className="num">
            Already there
          </th>
          <th scope="col" className="num" title="All Mail copies of messages that are in a labelled folder: copied with that folder">
            In a label
          </th>
          <th scope="col" className="num">
            Failed
          </th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((f) => (
          <tr key={f.source} className={f.target === null ? 'off' : ''}>
            <td className="folder">{f.source}</td>
            <td className="folder">{f.target ?? <span className="muted">not copied ({f.role})</span>}</td>
            <td className="num">{f.target === null ? '—' : count(f.sourceCount)}</td>
            <td className="num">{count(f.copied)}</td>
            <td className="num">{count(f.present)}</td>
            <td className="num">{count(f.skipped)}</td>
            <td className={f.failed > 0 ? 'num bad' : 'num'}>{count(f.failed)}</td>
            <td>{f.target === null ? '' : f.done ? 'Done' : f.copied > 0 ? 'Copying' : 'Waiting'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
