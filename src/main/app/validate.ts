/**
 * A small hand-written validator for everything that crosses IPC. The renderer is not trusted: every
 * request is checked for type, range and shape, and unknown fields are refused (a typo or an injected
 * field is an error, not silently ignored). Messages name the field and never echo the value (it may be
 * a password).
 */

export type Check<T> = (value: unknown, path: string, issues: string[]) => T | undefined;
/** A field that may be absent (undefined) in an object. */
export type OptionalCheck<T> = Check<T> & { readonly optional: true };

type Shape = Record<string, Check<unknown>>;
type Infer<C> = C extends Check<infer T> ? T : never;
type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalCheck<unknown> ? never : K }[keyof S];
type OptionalKeys<S extends Shape> = { [K in keyof S]: S[K] extends OptionalCheck<unknown> ? K : never }[keyof S];
export type ObjectOf<S extends Shape> = { [K in RequiredKeys<S>]: Infer<S[K]> } & { [K in OptionalKeys<S>]?: Infer<S[K]> };

function where(path: string): string {
  return path === '' ? 'the request' : path;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export interface StringRule {
  /** Minimum length after trimming; default 1 (no empty strings). */
  min?: number;
  max: number;
  pattern?: RegExp;
  /** What the pattern means, for the message. */
  patternText?: string;
  /** Trim surrounding white space first (not for passwords). Default true. */
  trim?: boolean;
}

export function str(rule: StringRule): Check<string> {
  const min = rule.min ?? 1;
  return (value, path, issues) => {
    if (typeof value !== 'string') {
      issues.push(`${where(path)}: must be text`);
      return undefined;
    }
    const v = rule.trim === false ? value : value.trim();
    if (v.length < min) issues.push(`${where(path)}: must not be empty`);
    else if (v.length > rule.max) issues.push(`${where(path)}: must be at most ${rule.max} characters`);
    else if (/[\u0000-\u001f\u007f]/.test(v) && rule.trim !== false) issues.push(`${where(path)}: must not contain control characters`);
    else if (rule.pattern && !rule.pattern.test(v)) issues.push(`${where(path)}: ${rule.patternText ?? 'has an unexpected form'}`);
    else return v;
    return undefined;
  };
}

/** A further rule on top of a check (a GUID, a tenant): `text` says what the value must be, never echoing it. */
export function refine<T>(check: Check<T>, ok: (value: T) => boolean, text: string): Check<T> {
  return (value, path, issues) => {
    const v = check(value, path, issues);
    if (v === undefined) return undefined;
    if (ok(v)) return v;
    issues.push(`${where(path)}: ${text}`);
    return undefined;
  };
}

export function int(min: number, max: number): Check<number> {
  return (value, path, issues) => {
    if (typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max) return value;
    issues.push(`${where(path)}: must be a whole number from ${min} to ${max}`);
    return undefined;
  };
}

export const bool: Check<boolean> = (value, path, issues) => {
  if (typeof value === 'boolean') return value;
  issues.push(`${where(path)}: must be true or false`);
  return undefined;
};

export function oneOf<T extends string>(values: readonly T[]): Check<T> {
  return (value, path, issues) => {
    if (typeof value === 'string' && (values as readonly string[]).includes(value)) return value as T;
    issues.push(`${where(path)}: must be one of ${values.map((v) => `"${v}"`).join(', ')}`);
    return undefined;
  };
}

export function literal<T extends string>(expected: T): Check<T> {
  return (value, path, issues) => {
    if (value === expected) return expected;
    issues.push(`${where(path)}: must be "${expected}"`);
    return undefined;
  };
}

export function arrayOf<T>(item: Check<T>, maxItems: number, opts: { unique?: boolean } = {}): Check<T[]> {
  return (value, path, issues) => {
    if (!Array.isArray(value)) {
      issues.push(`${where(path)}: must be a list`);
      return undefined;
    }
    if (value.length > maxItems) {
      issues.push(`${where(path)}: must have at most ${maxItems} items`);
      return undefined;
    }
    const before = issues.length;
    const out = value.map((v, i) => item(v, `${path}[${i}]`, issues));
    if (issues.length > before) return undefined;
    if (opts.unique && new Set(out).size !== out.length) {
      issues.push(`${where(path)}: must not list the same item twice`);
      return undefined;
    }
    return out as T[];
  };
}

/** Either of two checks; the issues of the first are reported when both fail. */
export function either<A, B>(a: Check<A>, b: Check<B>): Check<A | B> {
  return (value, path, issues) => {
    const ia: string[] = [];
    const ra = a(value, path, ia);
    if (ia.length === 0) return ra;
    const ib: string[] = [];
    const rb = b(value, path, ib);
    if (ib.length === 0) return rb;
    issues.push(...(Array.isArray(value) ? ia : ib));
    return undefined;
  };
}

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  const c: Check<T> = (value, path, issues) => check(value, path, issues);
  return Object.assign(c, { optional: true as const });
}

/** A plain object with exactly these fields (optional ones may be absent); any other field is refused. */
export function obj<S extends Shape>(shape: S): Check<ObjectOf<S>> {
  return (value, path, issues) => {
    if (!isPlainObject(value)) {
      issues.push(`${where(path)}: must be an object`);
      return undefined;
    }
    const before = issues.length;
    for (const key of Object.keys(value)) {
      if (!Object.hasOwn(shape, key)) issues.push(`${path ? `${path}.` : ''}${key}: unknown field`);
    }
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) {
      const v = value[key];
      const p = path ? `${path}.${key}` : key;
      if (v === undefined) {
        if (!(check as Partial<OptionalCheck<unknown>>).optional) issues.push(`${p}: is missing`);
        continue;
      }
      const r = check(v, p, issues);
      if (r !== undefined) out[key] = r;
    }
    return issues.length > before ? undefined : (out as ObjectOf<S>);
  };
}

/** For calls without a request: only nothing (undefined or null) is accepted. */
export const none: Check<null> = (value, path, issues) => {
  if (value === undefined || value === null) return null;
  issues.push(`${where(path)}: this call takes no arguments`);
  return undefined;
};

export type Validated<T> = { ok: true; value: T } | { ok: false; issues: string[] };

export function validate<T>(check: Check<T>, value: unknown): Validated<T> {
  const issues: string[] = [];
  const out = check(value, '', issues);
  if (issues.length > 0 || out === undefined) return { ok: false, issues: issues.length ? issues : ['the request is not valid'] };
  return { ok: true, value: out };
}
