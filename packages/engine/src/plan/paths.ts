/**
 * Node paths name every level: `verify/face-detect` (sub-DAG), `route/adult/welcome` (branch key),
 * `each-user[42]/mark-profile` (for-each item). Internally a path template marks each for-each level
 * with {@link ITEM}, filled with the item keys of one instance. Item keys are escaped so that `/`, `[`
 * and `]` inside them never break a path apart.
 */
export const ITEM = '\u0001';

const ESCAPES: Record<string, string> = {
  '%': '%25',
  '/': '%2F',
  '[': '%5B',
  ']': '%5D',
  '|': '%7C',
};

/** Escapes an item key for use inside a path. */
export function escapeKey(key: string): string {
  return key.replace(/[%/[\]|]/g, (char) => ESCAPES[char] ?? char);
}

/** Reverses {@link escapeKey}. */
export function unescapeKey(key: string): string {
  return key.replace(/%(25|2F|5B|5D|7C)/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

/** The instance of a template for the given item keys (outermost first; extra keys are ignored). */
export function fill(template: string, keys: readonly string[]): string {
  if (!template.includes(ITEM)) return template;
  let next = 0;
  return template.replaceAll(ITEM, () => `[${escapeKey(keys[next++] ?? '')}]`);
}

/** Splits an instance path into its lookup template (no item markers) and its item keys. */
export function parsePath(path: string): { template: string; keys: string[] } {
  if (!path.includes('[')) return { template: path, keys: [] };
  const keys: string[] = [];
  const template = path.replace(/\[([^\]]*)\]/g, (_, key: string) => {
    keys.push(unescapeKey(key));
    return '';
  });
  return { template, keys };
}

/** The lookup template of a marked template. */
export function lookupKey(template: string): string {
  return template.replaceAll(ITEM, '');
}

/** `scope/id`, or `id` at the top. */
export function join(scope: string, id: string): string {
  return scope === '' ? id : `${scope}/${id}`;
}

/** Suffix of the step that starts a composite vertex (computes its input, picks branches or items). */
export const START = '/@start';
/** Suffix of the data field holding one for-each item's input. */
export const ITEM_INPUT = '/@item';

/** The vertex a step path belongs to: a composite's start step reports as the composite itself. */
export function vertexPath(stepPath: string): string {
  return stepPath.endsWith(START) ? stepPath.slice(0, -START.length) : stepPath;
}
