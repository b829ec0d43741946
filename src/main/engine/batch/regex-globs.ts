/**
 * imapsync's --exclude and --include take a Perl regex matched anywhere in a folder name; the job's folder
 * filter takes globs ("*" for any run of characters) matched against the whole name. What a glob says
 * exactly is translated; anything else is refused with the reason, never approximated: a filter that is
 * slightly off silently copies a folder that should stay, or skips one that should go.
 */

export type GlobsOrProblem = { globs: string[] } | { problem: string };

/** "^INBOX\.Trash$|Spam" becomes ["INBOX.Trash", "*Spam*"]. */
export function regexToGlobs(regex: string): GlobsOrProblem {
  const globs: string[] = [];
  for (const alternative of splitAlternatives(regex)) {
    const glob = alternativeToGlob(alternative);
    if (typeof glob !== 'string') return glob;
    globs.push(glob);
  }
  return { globs };
}

/** The top-level alternatives (an unescaped "|"; groups are refused later, so there is no nesting to track). */
function splitAlternatives(regex: string): string[] {
  const out = [''];
  for (let i = 0; i < regex.length; i++) {
    const ch = regex[i]!;
    if (ch === '\\' && i + 1 < regex.length) {
      out[out.length - 1] += ch + regex[++i];
    } else if (ch === '|') out.push('');
    else out[out.length - 1] += ch;
  }
  return out;
}

const REFUSED: Record<string, string> = {
  '(': 'groups "( )"',
  ')': 'groups "( )"',
  '[': 'character classes "[ ]"',
  ']': 'character classes "[ ]"',
  '{': 'repeat counts "{ }"',
  '}': 'repeat counts "{ }"',
  '+': '"+"',
  '?': '"?"',
  '*': 'a "*" that does not follow "."',
  '^': 'a "^" inside the expression',
  $: 'a "$" inside the expression',
};

function alternativeToGlob(alt: string): string | { problem: string } {
  let body = alt;
  const start = body.startsWith('^');
  if (start) body = body.slice(1);
  const end = body.endsWith('$') && !body.endsWith('\\$');
  if (end) body = body.slice(0, -1);
  if (body === '' && !(start && end)) return { problem: 'an empty alternative matches every folder' };

  let glob = start ? '' : '*';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch === '\\') {
      const next = body[++i];
      if (next === undefined) return { problem: 'it ends with a lone "\\"' };
      if (/[A-Za-z0-9]/.test(next)) return { problem: `"\\${next}" (a character class or escape) has no folder-pattern equivalent` };
      if (next === '*') return { problem: 'a folder pattern cannot match a literal "*"' };
      glob += next;
    } else if (ch === '.' && body[i + 1] === '*') {
      glob += '*';
      i++;
    } else if (ch === '.') {
      return { problem: '"." matches any character: write "\\." for a dot, or ".*" for anything' };
    } else if (REFUSED[ch]) {
      return { problem: `${REFUSED[ch]} cannot be written as a folder pattern` };
    } else glob += ch;
  }
  if (!end) glob += '*';
  return glob.replace(/\*{2,}/g, '*');
}
