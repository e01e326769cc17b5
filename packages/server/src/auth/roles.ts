/** A caller's role; each includes the rights of the ones before it. */
export type Role = 'viewer' | 'operator' | 'admin';

/** Who may use a route: anyone (`open`), or a token whose role has at least these rights. */
export type Access = 'open' | Role;

/** The roles, least rights first. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** Whether `role` has at least the rights of `needed`. */
export function hasRole(role: Role, needed: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

/** Whether `value` names a role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
