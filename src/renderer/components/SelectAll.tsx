import { useEffect, useRef } from 'react';

/** The header's checkbox: selects every row shown, or none; half-checked when some are. */
export function SelectAll({ ids, selected, onChange }: { ids: readonly string[]; selected: ReadonlySet<string>; onChange: (next: ReadonlySet<string>) => void }) {
  const box = useRef<HTMLInputElement>(null);
  const n = ids.filter((id) => selected.has(id)).length;
  const all = ids.length > 0 && n === ids.length;
  useEffect(() => {
    if (box.current) box.current.indeterminate = n > 0 && !all;
  }, [n, all]);
  return (
    <input
      ref={box}
      type="checkbox"
      checked={all}
      aria-label={all ? 'Select none' : 'Select every mailbox shown'}
      onChange={() => onChange(all ? new Set() : new Set(ids))}
    />
  );
}
