/** A caller's role, as `GET /auth/whoami` answers it. */
export type Role = 'viewer' | 'operator' | 'admin';

const KEY = 'dagflow.token';
const ORDER: readonly Role[] = ['viewer', 'operator', 'admin'];
let role: Role = 'viewer';

/** The bearer token of this browser session (kept in sessionStorage: gone when the tab closes). */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Keeps a token for this browser session, or forgets it (`undefined`). */
export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}

/** Records the caller's role once `/auth/whoami` answered. */
export function setRole(next: Role): void {
  role = next;
}

/** Whether the caller's role has at least the rights of `needed` (pages hide what it may not use). */
export function may(needed: Role): boolean {
  return ORDER.indexOf(role) >= ORDER.indexOf(needed);
}
