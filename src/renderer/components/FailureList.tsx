import type { FailureView } from '../../shared/contract.js';
import { bytes } from '../format.js';

export function FailureList({ failures }: { failures: FailureView[] }) {
  if (failures.length === 0) return <p className="muted">No message failed in the latest run.</p>;
  return (
    <table className="failures">
      <colgroup>
        <col className="w-folder" />
        <col />
        <col className="w-date" />
        <col className="w-num" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th scope="col">Folder</th>
          <th scope="col">Subject</th>
          <th scope="col">Date</th>
          <th scope="col" className="num">
            Size
          </th>
          <th scope="col">Why</th>
        </tr>
      </thead>
      <tbody>
        {failures.map((f, i) => (
          <tr key={`${f.folder}-${f.uid}-${i}`}>
            <td className="folder">{f.folder}</td>
            <td>{f.subject || <span className="muted">(no subject)</span>}</td>
            <td className="num">{f.date ? f.date.slice(0, 10) : '—'}</td>
            <td className="num">{f.size ? bytes(f.size) : '—'}</td>
            <td>{f.reason}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
