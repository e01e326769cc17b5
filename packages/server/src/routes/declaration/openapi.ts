import { readFileSync } from 'node:fs';
import type { ErrorCode } from '@dagflow/flow';
import { z } from 'zod';
import * as contract from '../../contract/index.js';
import { statusFor } from '../../http/http-status.js';
import type { Answer, Route, Tag } from './route.js';
import { routeErrors } from './route-errors.js';

/** A JSON Schema or OpenAPI object, as plain JSON. */
type Json = Record<string, unknown>;

/** An OpenAPI 3.1 document (what `GET /openapi.json` answers). */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: Json;
  readonly servers: readonly Json[];
  readonly tags: readonly Json[];
  readonly paths: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  readonly components: { readonly schemas: Json; readonly securitySchemes: Json };
}

/** What each group of routes does (the document's tags, in this order). */
const TAGS: Readonly<Record<Tag, string>> = {
  Requests: 'Execute a flow and read its requests: state, nodes, results.',
  Control: 'Pause, resume, stop and rerun a request; deliver signals to its signal nodes.',
  Live: 'Server-Sent Event streams of a request or a flow, and the worker processes.',
  Flows: 'The registered flows and their DAG descriptions.',
  Versions: "A flow's versions, and the migration of requests to its current one.",
  Schedules: "A flow's schedules: requests started by cron or at an interval.",
  Registry: 'Admin: register declarative flows, change steps at run time, read the audit log.',
  Service: 'The server itself: caller, health, metrics, this document.',
};
const SCHEMAS = '#/components/schemas/';

/** The named schemas of the contract (`requestStateSchema` is `RequestState`), by schema. */
const COMPONENT_IDS = new Map<z.ZodType, string>(
  Object.entries(contract).flatMap(([name, value]) =>
    value instanceof z.ZodType && name.endsWith('Schema')
      ? [[value, name[0]?.toUpperCase() + name.slice(1, -'Schema'.length)]]
      : [],
  ),
);

const documents = new WeakMap<readonly Route[], OpenApiDocument>();

/**
 * The OpenAPI 3.1 document of a route table, made from the schemas that validate its requests and
 * type its answers; contract schemas are components. Made once per table.
 */
export function openApiDocument(routes: readonly Route[]): OpenApiDocument {
  const known = documents.get(routes);
  if (known !== undefined) return known;
  const paths: Record<string, Record<string, Json>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method]: operation(route) };
  }
  const document: OpenApiDocument = {
    openapi: '3.1.0',
    info: {
      title: 'dagflow HTTP API',
      version: serverVersion(),
      summary: 'Execute, inspect and control the requests of dagflow workflows.',
      description:
        'Execute, inspect and control dagflow requests. Every error answers ' +
        '{"error": {"code", "message", "details"?}} with the status of its code (docs/errors.md); ' +
        'each operation lists, per status, the codes it may answer. An unknown path answers 404 ' +
        'ROUTE_NOT_FOUND, a known path with another method 405 METHOD_NOT_ALLOWED (after 401 for a ' +
        'missing or unknown token, before 403). A request that is not valid HTTP answers 400 ' +
        'BAD_REQUEST, 431 HEADERS_TOO_LARGE or 408 REQUEST_TIMEOUT before any route sees it. ' +
        'x-dagflow-role names the least role an operation needs.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/', description: 'The server that answered this document.' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
    paths,
    components: {
      schemas: referenced(components(), paths),
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description:
            'A token of DAGFLOW_TOKENS (role:name:token); without tokens the API is open.',
        },
      },
    },
  };
  documents.set(routes, document);
  return document;
}

function operation(route: Route): Json {
  const { access } = route;
  const body = route.body;
  return {
    operationId: route.id,
    summary: firstSentence(route.summary),
    description: route.summary,
    ...(route.tag === undefined ? {} : { tags: [route.tag] }),
    'x-dagflow-role': access,
    security: access === 'open' ? [] : [{ bearer: [] }],
    parameters: [
      ...parameters('path', route.params),
      ...parameters('query', route.query),
      ...parameters('header', route.headers),
    ],
    ...(body === undefined
      ? {}
      : {
          requestBody: {
            description: body.description,
            required: body.read === 'json' || body.required,
            content: media(
              body.read === 'json' ? { 'application/json': body.schema } : body.content,
              'input',
            ),
          },
        }),
    responses: { ...errorAnswers(routeErrors(route), route.answers), ...answers(route.answers) },
  };
}

/** A summary's first sentence, for the operation's short `summary` (the whole is its description). */
function firstSentence(text: string): string {
  return (text.split(/(?<=[.:])\s/)[0] ?? text).replace(/[.:]$/, '');
}

function answers(table: Readonly<Record<number, Answer>>): Json {
  return Object.fromEntries(
    Object.entries(table).map(([status, answer]) => [
      status,
      {
        description: answer.description,
        ...(answer.headers === undefined
          ? {}
          : {
              headers: Object.fromEntries(
                Object.entries(answer.headers).map(([name, description]) => [
                  name,
                  { description, schema: { type: 'string' } },
                ]),
              ),
            }),
        ...(answer.content === undefined ? {} : { content: media(answer.content, 'output') }),
      },
    ]),
  );
}

/** Error answers by status, each naming the codes it may carry. */
function errorAnswers(codes: readonly ErrorCode[], taken: Readonly<Record<number, Answer>>): Json {
  const byStatus = new Map<number, Set<ErrorCode>>();
  for (const code of codes) {
    const status = statusFor[code];
    if (status in taken) continue;
    byStatus.set(status, (byStatus.get(status) ?? new Set()).add(code));
  }
  return Object.fromEntries(
    [...byStatus].map(([status, set]) => [
      String(status),
      {
        description: `Error: ${[...set].join(', ')}.`,
        content: {
          'application/json': {
            schema: {
              allOf: [
                { $ref: `${SCHEMAS}Error` },
                { properties: { error: { properties: { code: { enum: [...set] } } } } },
              ],
            },
            example: { error: { code: [...set][0], message: `${[...set][0]}: what failed.` } },
          },
        },
      },
    ]),
  );
}

function parameters(where: 'path' | 'query' | 'header', schema: z.ZodObject | undefined): Json[] {
  if (schema === undefined) return [];
  return Object.entries(schema.shape as Record<string, z.ZodType>).map(([name, field]) => {
    const json = inline(field, 'input');
    return {
      name,
      in: where,
      required: !field.safeParse(undefined).success,
      ...(typeof json['description'] === 'string' ? { description: json['description'] } : {}),
      schema: json,
    };
  });
}

function media(content: Readonly<Record<string, z.ZodType>>, io: 'input' | 'output'): Json {
  return Object.fromEntries(
    Object.entries(content).map(([type, schema]) => {
      const id = io === 'output' ? COMPONENT_IDS.get(schema) : undefined;
      return [
        type,
        { schema: id === undefined ? inline(schema, io) : { $ref: `${SCHEMAS}${id}` } },
      ];
    }),
  );
}

/** A schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect), without its `$schema`. */
function inline(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return json;
}

/** Every contract schema as a component, referring to each other by `$ref`. */
function components(): Json {
  const registry = z.registry<{ id: string }>();
  for (const [schema, id] of COMPONENT_IDS) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { uri: (id) => `${SCHEMAS}${id}` });
  return Object.fromEntries(
    Object.entries(schemas).map(([id, { $schema: _, $id: __, ...json }]) => [id, json]),
  );
}

/**
 * The components the paths refer to, directly or through other components: a contract schema that
 * only types a request body (inlined, as a request reads it) or no answer at all is left out.
 */
function referenced(schemas: Json, paths: Json): Json {
  const ids = new Set<string>();
  const pending: unknown[] = [paths];
  for (let value = pending.pop(); value !== undefined; value = pending.pop()) {
    if (typeof value !== 'object' || value === null) continue;
    for (const [key, child] of Object.entries(value)) {
      if (key === '$ref' && typeof child === 'string' && child.startsWith(SCHEMAS)) {
        const id = child.slice(SCHEMAS.length);
        if (!ids.has(id)) pending.push(schemas[id]);
        ids.add(id);
      } else pending.push(child);
    }
  }
  return Object.fromEntries(Object.entries(schemas).filter(([id]) => ids.has(id)));
}

/** The version of this package, for `info.version`. */
function serverVersion(): string {
  const manifest = new URL('../../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
