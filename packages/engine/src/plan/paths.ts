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

const SPECIAL = /[%/[\]|]/;

/** Escapes an item key for use inside a path. */
export function escapeKey(key: string): string {
  return SPECIAL.test(key) ? key.replace(/[%/[\]|]/g, (char) => ESCAPES[char] ?? char) : key;
}

/** Reverses {@link escapeKey}. */
export function unescapeKey(key: string): string {
  if (!key.includes('%')) return key;
  return key.replace(/%(25|2F|5B|5D|7C)/g, (_, hex: string) =>
    String.fromCharCode(parseInt(hex, 16)),
  );
}

// fill and parsePath run several times per node job: plain string scans, no regular expressions.

/** The instance of a template for the given item keys (outermost first; extra keys are ignored). */
export function fill(template: string, keys: readonly string[]): string {
  if (!template.includes(ITEM)) return template;
  const parts = template.split(ITEM);
  let path = parts[0] ?? '';
  for (let i = 1; i < parts.length; i++) path += `[${escapeKey(keys[i - 1] ?? '')}]${parts[i]}`;
  return path;
}

/**
 * `key => fill(template, [...outer, key])`, for filling one template with many item keys of one level
 * (a for-each's items): the template is split and its outer levels filled once.
 */
export function itemFiller(template: string, outer: readonly string[]): (key: string) => string {
  const parts = template.split(ITEM);
  const suffix = parts.pop() ?? '';
  if (parts.length !== outer.length + 1) return (key) => fill(template, [...outer, key]);
  const prefix = fill(parts.join(ITEM), outer);
  return (key) => `${prefix}[${escapeKey(key)}]${suffix}`;
}

/** Splits an instance path into its lookup template (no item markers) and its item keys. */
export function parsePath(path: string): { template: string; keys: string[] } {
  let open = path.indexOf('[');
  if (open === -1) return { template: path, keys: [] };
  const keys: string[] = [];
  let template = '';
  let from = 0;
  while (open !== -1) {
    const close = path.indexOf(']', open);
    if (close === -1) break;
    template += path.slice(from, open);
    keys.push(unescapeKey(path.slice(open + 1, close)));
    from = close + 1;
    open = path.indexOf('[', from);
  }
  return { template: template + path.slice(from), keys };
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
