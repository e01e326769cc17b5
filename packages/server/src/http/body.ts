import type { IncomingMessage } from 'node:http';
import { MAX_NESTING_DEPTH, jsonDepth } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request } from 'express';

/**
 * The execute input from a raw body: JSON for `application/json` (and `+json`), text for `text/*` and
 * form bodies (what `curl -d` sends), bytes (a Buffer) otherwise; an empty body is `null`. JSON may
 * nest at most {@link MAX_NESTING_DEPTH} levels deep.
 * @throws DagflowError `INVALID_JSON`
 */
export function inputFromBody(req: Request): unknown {
  const body = req.body as unknown;
  if (!Buffer.isBuffer(body) || body.length === 0) return null;
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) {
    const text = body.toString('utf8');
    assertJsonDepth(text);
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new DagflowError(
        ErrorCode.INVALID_JSON,
        `The body is not valid JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }
  if (type.startsWith('text/') || type === 'application/x-www-form-urlencoded')
    return body.toString('utf8');
  return body;
}

/** `verify` hook of `express.json()`: rejects a body nested deeper than {@link MAX_NESTING_DEPTH}. */
export function jsonDepthGuard(_req: IncomingMessage, _res: unknown, body: Buffer): void {
  assertJsonDepth(body.toString('utf8'));
}

function assertJsonDepth(text: string): void {
  const depth = jsonDepth(text);
  if (depth > MAX_NESTING_DEPTH) {
    throw new DagflowError(
      ErrorCode.INVALID_JSON,
      `The body nests ${depth} levels deep, over the limit of ${MAX_NESTING_DEPTH}.`,
      { details: { limit: MAX_NESTING_DEPTH } },
    );
  }
}

const DROPPED_HEADERS = new Set([
  'authorization',
  'cookie',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'proxy-authorization',
  'host',
  'content-length',
]);

/** Request headers handed to handlers as `ctx.headers`: lower-case, single-valued, secrets and hop-by-hop ones dropped. */
export function forwardedHeaders(req: Request): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || DROPPED_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

/** Query parameters of an execute that are the API's own, not the handlers' `ctx.query`. */
const RESERVED_QUERY = new Set(['wait', 'deadlineMs']);

/**
 * Query parameters handed to handlers as `ctx.query` (first value of repeated ones), without `wait`
 * and `deadlineMs`; own properties, so that `?__proto__=1` stays an ordinary key.
 */
export function forwardedQuery(req: Request): Record<string, string> {
  return Object.fromEntries(
    Object.entries(req.query).flatMap(([name, value]) => {
      const first = Array.isArray(value) ? value[0] : value;
      return RESERVED_QUERY.has(name) || typeof first !== 'string' ? [] : [[name, first]];
    }),
  );
}
