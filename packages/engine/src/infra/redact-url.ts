/**
 * A URL (or URL-like text) fit to print: the password of its user info replaced by `***`
 * (`redis://app:secret@host:6379` -> `redis://app:***@host:6379`); user info without a colon is taken
 * for a password and replaced whole. Works on malformed text too, so error messages about a mistyped
 * URL never repeat its secret.
 */
export function redactUrl(url: string): string {
  const schemeEnd = url.indexOf('://');
  const start = schemeEnd < 0 ? 0 : schemeEnd + 3;
  const slash = url.indexOf('/', start);
  const authority = slash < 0 ? url.slice(start) : url.slice(start, slash);
  const at = authority.lastIndexOf('@');
  if (at < 0) return url;
  const userInfo = authority.slice(0, at);
  const colon = userInfo.indexOf(':');
  const redacted = colon < 0 ? '***' : `${userInfo.slice(0, colon)}:***`;
  return `${url.slice(0, start)}${redacted}${url.slice(start + at)}`;
}
