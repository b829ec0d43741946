/** Compresses sorted or unsorted UIDs into an IMAP sequence set: [1,2,3,7,9,10] -> "1:3,7,9:10". */
export function toUidSet(uids: Iterable<number>): string {
  const sorted = [...new Set(uids)].sort((a, b) => a - b);
  const parts: string[] = [];
  let i = 0;
  while (i < sorted.length) {
    const start = sorted[i]!;
    let end = start;
    while (i + 1 < sorted.length && sorted[i + 1] === end + 1) end = sorted[++i]!;
    parts.push(start === end ? String(start) : `${start}:${end}`);
    i++;
  }
  return parts.join(',');
}

/** Splits a list into chunks whose summed weight stays under maxWeight (and count under maxCount). */
export function chunkBy<T>(items: T[], weight: (t: T) => number, maxWeight: number, maxCount: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let w = 0;
  for (const item of items) {
    const iw = weight(item);
    if (cur.length > 0 && (w + iw > maxWeight || cur.length >= maxCount)) {
      out.push(cur);
      cur = [];
      w = 0;
    }
    cur.push(item);
    w += iw;
  }
  if (cur.length > 0) out.push(cur);
  return out;
}
