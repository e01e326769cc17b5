import type { Logger } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { ErrorRequestHandler } from 'express';

const DENIALS: ReadonlySet<string> = new Set([
  ErrorCode.UNAUTHENTICATED,
  ErrorCode.FORBIDDEN,
  ErrorCode.TOO_MANY_AUTH_FAILURES,
]);

/** Most addresses whose last line is remembered; beyond it the oldest are forgotten. */
const MAX_ADDRESSES = 10_000;

/**
 * Logs refused requests (401, 403, 429 `TOO_MANY_AUTH_FAILURES`) as `http request denied` at warn
 * level, naming the address, method, path, code and the caller when known; at most one line per
 * address per second, the next line counting those left out (`suppressed`). Passes the error on.
 */
export function logDenials(log: Logger): ErrorRequestHandler {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (error: unknown, req, res, next) => {
    if (!(error instanceof DagflowError && DENIALS.has(error.code))) {
      next(error);
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const now = Date.now();
    const seen = last.get(address);
    if (seen !== undefined && now - seen.at < 1_000) {
      seen.suppressed += 1;
      next(error);
      return;
    }
    last.delete(address);
    if (last.size >= MAX_ADDRESSES) last.delete(last.keys().next().value ?? '');
    last.set(address, { at: now, suppressed: 0 });
    const caller = res.locals['caller'] as { name?: string } | undefined;
    log.warn('http request denied', {
      address,
      method: req.method,
      path: req.path.slice(0, 200),
      code: error.code,
      ...(caller?.name === undefined ? {} : { token: caller.name }),
      ...(seen === undefined || seen.suppressed === 0 ? {} : { suppressed: seen.suppressed }),
    });
    next(error);
  };
}
