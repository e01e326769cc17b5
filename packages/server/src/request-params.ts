import type { Request } from 'express';

/** A named path parameter of the route, as a string ('' when absent). */
export function param(req: Request, name: string): string {
  return String(req.params[name] ?? '');
}
