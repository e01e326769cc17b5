import { createHash } from 'node:crypto';

/** Where an event wait's match is looked up: its key set and the hash of its values. */
export interface EventMatch {
  /** The event paths matched on, sorted, as JSON (one key set per distinct `match` shape). */
  readonly keySet: string;
  /** The hash of the key set and its values: the waiters' and recent events' key in the index. */
  readonly hash: string;
}

/** The key set of a `match` (its event paths, sorted) as JSON. */
export function keySetOf(match: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(match).sort());
}

/**
 * Where a step that waits with `match` (event path -> `$.path` of the input) is registered, from its
 * input: the values its expressions pick (a missing one counts as `null`).
 */
export function waitMatch(match: Readonly<Record<string, string>>, input: unknown): EventMatch {
  const keys = Object.keys(match).sort();
  const values = keys.map((key) => pick(input, (match[key] ?? '$').slice(1)));
  return hashed(keys, values);
}

/**
 * Where each key set (JSON, as {@link keySetOf} makes it) finds the waiters of an event: the values its
 * paths pick from `{ event, data }` (a missing one counts as `null`, as for waiters).
 */
export function eventMatches(
  keySets: readonly string[],
  event: { readonly event: string; readonly data: unknown },
): EventMatch[] {
  return keySets.map((keySet) => {
    const keys = JSON.parse(keySet) as string[];
    return hashed(
      keys,
      keys.map((key) => pick(event, `.${key}`)),
    );
  });
}

function hashed(keys: readonly string[], values: readonly unknown[]): EventMatch {
  const keySet = JSON.stringify(keys);
  const text = `${keySet}\n${values.map(canonical).join('\n')}`;
  return { keySet, hash: createHash('sha256').update(text).digest('base64url').slice(0, 24) };
}

/** The value at a dotted path (`''`: the value itself; `.a.b`: `value.a.b`), or undefined. */
function pick(value: unknown, path: string): unknown {
  let at = value;
  for (const name of path.split('.').slice(1)) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, name)) return undefined;
    at = (at as Record<string, unknown>)[name];
  }
  return at;
}

/** JSON with object keys sorted, so that equal values give equal text; undefined is `null`. */
function canonical(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
