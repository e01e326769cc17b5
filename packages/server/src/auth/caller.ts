import type { Response } from 'express';
import type { Caller } from './tokens.js';

/** The caller when authentication is off: everyone may do everything. */
export const ANONYMOUS_ADMIN: Caller = { role: 'admin', name: 'anonymous' };

/** The caller of a request that passed authentication (`authenticate` keeps it on the response). */
export function callerOf(res: Response): Caller {
  return (res.locals['caller'] as Caller | undefined) ?? ANONYMOUS_ADMIN;
}
