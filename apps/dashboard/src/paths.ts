/**
 * Node paths name each level (`each-user[42]/verify/get-image`); a template drops the item keys
 * (`each-user/verify/get-image`), so that every item of a for-each maps onto one drawn node.
 * Item keys are escaped by the engine: they never contain `[`, `]` or `/`.
 */
export function templateOf(path: string): string {
  return path.replace(/\[[^\]]*\]/g, '');
}

/** `scope/id`, or `id` at the top. */
export function joinPath(scope: string, id: string): string {
  return scope === '' ? id : `${scope}/${id}`;
}
