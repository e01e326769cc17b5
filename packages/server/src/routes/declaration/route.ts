import type { FlowApi } from '@dagflow/engine';
import type { ErrorCode } from '@dagflow/flow';
import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Wire } from '../../contract/index.js';
import type { Access } from '../../auth/roles.js';
import type { ServiceMethod } from './service-errors.js';

/** The groups of the API's routes in the document (OpenAPI tags). */
export type Tag =
  'Requests' | 'Control' | 'Live' | 'Flows' | 'Versions' | 'Schedules' | 'Registry' | 'Service';

/** HTTP methods of the API's routes (express's method names). */
export type Method = 'get' | 'post' | 'put' | 'delete';

/** A documented answer of a route: its media types and their schemas (none for an empty body). */
export interface Answer {
  readonly description: string;
  readonly content?: Readonly<Record<string, z.ZodType>>;
  /** Headers the answer carries, by name. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * How a route reads its body: `raw` keeps the bytes (the handler decides; `content` documents the
 * accepted media types), `json` parses JSON and validates it against `schema`.
 */
export type BodySpec<B extends z.ZodType> =
  | {
      readonly read: 'raw';
      readonly description: string;
      readonly required: boolean;
      readonly content: Readonly<Record<string, z.ZodType>>;
      /**
       * Whether the body is data of any media type (an input, a signal's payload), not a command:
       * the CSRF guard then leaves its media type alone (see `csrf-guard.ts`).
       */
      readonly anyType?: boolean;
    }
  | { readonly read: 'json'; readonly description: string; readonly schema: B };

/** What a route's handler gets: the validated parameters, query, headers and body. */
export interface Call<P, Q, H, B> {
  readonly service: FlowApi;
  readonly params: P;
  readonly query: Q;
  readonly headers: H;
  readonly body: B;
  readonly req: Request;
  readonly res: Response;
  /** Every route of the app (for the document that describes them). */
  readonly routes: readonly Route[];
}

/**
 * One route of the HTTP API, from which both the express route and its OpenAPI operation are made:
 * `params`, `query` and `headers` are validated before `handle` runs (a mismatch answers 400
 * `INVALID_INPUT`), `answers` document what it answers, `calls`, `errors` and `catches` which
 * error codes (see `routeErrors`).
 */
export interface RouteSpec<
  P extends z.ZodObject,
  Q extends z.ZodObject,
  H extends z.ZodObject,
  B extends z.ZodType,
> {
  readonly method: Method;
  /** The express path (`/flow/:name`). */
  readonly path: string;
  /** Names the operation in the document (`operationId`). */
  readonly id: string;
  /** Its group in the document; set for a whole list of routes by {@link tagged}. */
  readonly tag?: Tag;
  readonly summary: string;
  /** Who may call it (the auth check and the document read it from here). */
  readonly access: Access;
  /**
   * The action its audit entries name (`stop`, `schedule-put`...): every state-changing route has one,
   * and each of its requests is audited (execute only when `auditExecutes` is on).
   */
  readonly audit?: string;
  readonly params?: P;
  readonly query?: Q;
  /** Request headers the route reads (names in lower case). */
  readonly headers?: H;
  readonly body?: BodySpec<B>;
  /** Answers other than errors, by HTTP status. */
  readonly answers: Readonly<Record<number, Answer>>;
  /**
   * The service methods the handler calls, directly or through a helper: the codes they raise
   * (`SERVICE_ERRORS`) are the route's (a test checks each `service.x(` of the handler is listed).
   */
  readonly calls: readonly ServiceMethod[];
  /** Codes the handler (or a helper of its) raises itself, beyond those of its calls. */
  readonly errors?: readonly ErrorCode[];
  /** Codes of its calls the handler answers otherwise (execute answers `WAIT_TIMEOUT` as 202). */
  readonly catches?: readonly ErrorCode[];
  handle(call: Call<z.output<P>, z.output<Q>, z.output<H>, z.output<B>>): Promise<void> | void;
}

/** A route with its types erased, as the route table holds it. */
export type Route = RouteSpec<z.ZodObject, z.ZodObject, z.ZodObject, z.ZodType>;

/** A route of the table, its handler typed by its schemas. */
export function defineRoute<
  P extends z.ZodObject,
  Q extends z.ZodObject,
  H extends z.ZodObject,
  B extends z.ZodType = z.ZodUnknown,
>(spec: RouteSpec<P, Q, H, B>): Route {
  return spec;
}

/** The routes of a list, each in the document's group `tag` unless it names its own. */
export function tagged(tag: Tag, routes: readonly Route[]): Route[] {
  return routes.map((route) => ({ tag, ...route }));
}

/**
 * Sends a JSON answer typed by its documented schema: the compiler checks the value against the
 * schema, the HTTP tests check what is sent against the document.
 */
export function sendJson<S extends z.ZodType>(
  res: Response,
  status: number,
  _schema: S,
  value: Wire<z.input<S>>,
): void {
  res.status(status).json(value);
}
