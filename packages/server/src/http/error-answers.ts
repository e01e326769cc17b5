import type { Logger } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type express from 'express';
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { allowedMethods } from './allowed-methods.js';
import { statusFor } from './http-status.js';

/**
 * The last route: a path no route has answers 404 `ROUTE_NOT_FOUND`; a known path asked with another
 * method answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header.
 */
export function unroutedAnswer(app: express.Express): RequestHandler {
  return (req, res) => {
    const allow = allowedMethods(app, req.path);
    if (allow.length === 0) {
      throw new DagflowError(ErrorCode.ROUTE_NOT_FOUND, `No route for ${req.method} ${req.path}.`);
    }
    res.setHeader('Allow', allow.join(', '));
    throw new DagflowError(
      ErrorCode.METHOD_NOT_ALLOWED,
      `${req.method} is not allowed on ${req.path}; it answers ${allow.join(', ')}.`,
      { details: { allow } },
    );
  };
}

/**
 * Every error as `{"error": {"code", "message", "details"?}}` with the status of its code; an
 * unexpected one is logged and answers 500 `INTERNAL_ERROR`.
 */
export function errorAnswer(log: Logger): ErrorRequestHandler {
  return (error: unknown, _req, res, next) => {
    // A failure after the answer started (a broken stream) can only end the connection.
    if (res.headersSent) {
      next(error);
      return;
    }
    const known = toDagflowError(error);
    if (known.code === ErrorCode.INTERNAL_ERROR)
      log.error('http request failed', { error: String(error) });
    res.status(statusFor[known.code]).json({
      error: {
        code: known.code,
        message: known.message,
        ...(known.details === undefined ? {} : { details: known.details }),
      },
    });
  };
}

/** Any error a route or middleware raised, as the dagflow error it answers. */
function toDagflowError(error: unknown): DagflowError {
  if (error instanceof DagflowError) return error;
  // The router fails to decode a percent-encoded path segment (`/flow/%ZZ`).
  if (error instanceof URIError) {
    return new DagflowError(ErrorCode.INVALID_PATH, `The path is malformed: ${error.message}.`);
  }
  const { type, code, status } = error as { type?: unknown; code?: unknown; status?: unknown };
  if (type === 'entity.too.large') {
    const limit = (error as { limit?: unknown }).limit;
    return new DagflowError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The body is larger than the ${String(limit)}-byte limit.`,
      { details: { limit } },
    );
  }
  // An unknown Content-Encoding, or a body that does not inflate (zlib and brotli error codes).
  if (type === 'encoding.unsupported' || (typeof code === 'string' && /^(Z_|ERR_)/.test(code))) {
    return new DagflowError(
      ErrorCode.INVALID_ENCODING,
      `The body could not be decoded (Content-Encoding: identity, gzip, deflate or br): ${(error as Error).message}`,
    );
  }
  if (type === 'entity.parse.failed') {
    return new DagflowError(
      ErrorCode.INVALID_JSON,
      `The body is not valid JSON: ${(error as Error).message}`,
    );
  }
  if (typeof type === 'string') {
    return new DagflowError(
      ErrorCode.INVALID_INPUT,
      `The body could not be read: ${(error as Error).message}`,
    );
  }
  // The dashboard's static files: a path it does not have, or one it refuses (dot files).
  if (status === 403 || status === 404) {
    return new DagflowError(ErrorCode.ROUTE_NOT_FOUND, 'No such file in the dashboard.');
  }
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new DagflowError(ErrorCode.INVALID_INPUT, `The request is malformed: ${String(error)}`);
  }
  return new DagflowError(
    ErrorCode.INTERNAL_ERROR,
    `Internal error: ${error instanceof Error ? error.message : String(error)}`,
  );
}
