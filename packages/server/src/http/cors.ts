import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { RequestHandler } from 'express';

/**
 * Origins from `DAGFLOW_CORS_ORIGINS` (comma separated, e.g. `https://ops.example.com`); each must be a
 * bare origin (scheme, host, optional port).
 * @throws DagflowError `INVALID_CONFIG` for anything else, `*` included
 */
export function parseCorsOrigins(text: string): string[] {
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry) => {
      let origin: string | undefined;
      try {
        origin = new URL(entry).origin;
      } catch {
        origin = undefined;
      }
      if (origin !== entry) {
        throw new DagflowError(
          ErrorCode.INVALID_CONFIG,
          `DAGFLOW_CORS_ORIGINS entry ${JSON.stringify(entry)} is not an origin like https://ops.example.com.`,
        );
      }
      return origin;
    });
}

/**
 * CORS for the listed origins only: their requests get `Access-Control-Allow-Origin`, and their
 * preflights are answered (204) allowing the `Authorization` header. Other origins get no CORS header,
 * so browsers keep their pages from reading answers or sending non-simple requests.
 */
export function cors(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req, res, next) => {
    const origin = req.header('origin');
    if (origin === undefined || !allowed.has(origin)) {
      next();
      return;
    }
    res.vary('Origin');
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', 'X-Request-Id');
    if (req.method === 'OPTIONS' && req.header('access-control-request-method') !== undefined) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-Request-Id');
      res.setHeader('Access-Control-Max-Age', '600');
      res.status(204).end();
      return;
    }
    next();
  };
}
