import type { FlowApi } from '@dagflow/engine';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import type express from 'express';
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { audited } from './audit-record.js';
import type { Route } from './route.js';

/** The body readers a route may use. */
export interface BodyReaders {
  /** Keeps the body as bytes (`Buffer`). */
  readonly raw: RequestHandler;
  /** Parses a JSON body. */
  readonly json: RequestHandler;
}

/**
 * Registers each route of the table on the app: its body reader, then the validation of its path
 * parameters, query, headers and JSON body against its schemas, then its handler; a route with an
 * `audit` action leaves an audit entry with the outcome.
 */
export function mountRoutes(
  app: express.Express,
  routes: readonly Route[],
  deps: {
    readonly service: FlowApi;
    readonly readers: BodyReaders;
    /** Whether executes are audited too. */
    readonly auditExecutes: boolean;
  },
): void {
  for (const route of routes) {
    const readers = route.body === undefined ? [] : [deps.readers[route.body.read]];
    const action = route.audit === 'execute' && !deps.auditExecutes ? undefined : route.audit;
    app[route.method](route.path, ...readers, async (req, res) => {
      const run = () =>
        route.handle({
          service: deps.service,
          params: fields('path', route.params, req.params),
          query: fields('query', route.query, req.query),
          headers: fields('header', route.headers, req.headers),
          body:
            route.body?.read === 'json' ? valid('body', route.body.schema, req.body) : undefined,
          req,
          res,
          routes,
        });
      if (action === undefined) await run();
      else await audited(deps.service, { req, res, action }, run);
    });
  }
}

/** The named values of one place (path, query, headers), parsed; `{}` for a route without a schema. */
function fields(where: string, schema: z.ZodObject | undefined, value: unknown) {
  return schema === undefined ? {} : (valid(where, schema, value) as Record<string, unknown>);
}

/**
 * `value` as its schema parses it.
 * @throws DagflowError `INVALID_INPUT`, with every issue (`details.issues`: where and what)
 */
function valid(where: string, schema: z.ZodType, value: unknown): unknown {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => ({
    at: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  throw new DagflowError(
    ErrorCode.INVALID_INPUT,
    issues.map((issue) => `${issue.at}: ${issue.message}`).join('; '),
    { details: { issues } },
  );
}
