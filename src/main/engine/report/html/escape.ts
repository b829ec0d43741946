/**
 * Escaping for the HTML report. Every value a template interpolates is escaped unless it is SafeHtml, which
 * html`` produces (and `new SafeHtml` for the report's own constant style sheet, never for data): a folder
 * name, subject or user like `<script>` or `"><img ...` is shown as text, never run, whatever a Gmail label
 * or a server reply holds.
 */
export class SafeHtml {
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  toString(): string {
    return this.#text;
  }
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for an element's content or a double-quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

/**
 * A template whose interpolations are escaped: strings and numbers as text, SafeHtml as is (a nested
 * html``), arrays item by item, and null, undefined and false as nothing (for `cond && html`...``).
 */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((v, i) => {
    out += fragment(v) + strings[i + 1]!;
  });
  return new SafeHtml(out);
}

function fragment(v: unknown): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof SafeHtml) return v.toString();
  if (Array.isArray(v)) return v.map(fragment).join('');
  return escapeHtml(v);
}
