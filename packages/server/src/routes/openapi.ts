import { readFileSync } from 'node:fs';
import type { ErrorCode } from '@dagflow/flow';
import { z } from 'zod';
import * as contract from '../contract/index.js';
import { statusFor } from '../http/http-status.js';
import type { Answer, Route } from './route.js';

/** A JSON Schema or OpenAPI object, as plain JSON. */
type Json = Record<string, unknown>;

/** An OpenAPI 3.1 document (what `GET /openapi.json` answers). */
export interface OpenApiDocument {
  readonly openapi: '3.1.0';
  readonly info: { readonly title: string; readonly version: string; readonly description: string };
  readonly paths: Readonly<Record<string, Readonly<Record<string, Json>>>>;
  readonly components: { readonly schemas: Json; readonly securitySchemes: Json };
}

/** Errors any route may answer besides its own: a malformed path, auth, the unexpected. */
const COMMON_ERRORS: readonly ErrorCode[] = ['INVALID_PATH', 'INTERNAL_ERROR'];
const AUTH_ERRORS: readonly ErrorCode[] = ['UNAUTHENTICATED', 'FORBIDDEN'];
/** Errors of reading a body: its size, its encoding, its JSON (a JSON or a raw JSON body). */
const BODY_ERRORS: readonly ErrorCode[] = ['PAYLOAD_TOO_LARGE', 'INVALID_ENCODING', 'INVALID_JSON'];

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
      description:
        'Execute, inspect and control dagflow requests. Every error answers ' +
        '{"error": {"code", "message", "details"?}} with the status of its code (docs/errors.md); ' +
        'an unknown path answers 404 ROUTE_NOT_FOUND, a known path with another method 405 ' +
        'METHOD_NOT_ALLOWED. x-dagflow-role names the least role an operation needs.',
    },
    paths,
    components: {
      schemas: components(),
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
  const validates = [route.params, route.query, route.headers].some((s) => s !== undefined);
  const errors = new Set<ErrorCode>([
    ...route.errors,
    ...(validates || body?.read === 'json' ? (['INVALID_INPUT'] as const) : []),
    ...(body === undefined ? [] : BODY_ERRORS),
    ...(access === 'open' ? [] : AUTH_ERRORS),
    ...COMMON_ERRORS,
  ]);
  return {
    operationId: route.id,
    summary: route.summary,
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
    responses: { ...errorAnswers([...errors], route.answers), ...answers(route.answers) },
  };
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
              $ref: `${SCHEMAS}Error`,
              properties: { error: { properties: { code: { enum: [...set] } } } },
            },
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

/** The version of this package, for `info.version`. */
function serverVersion(): string {
  const manifest = new URL('../../package.json', import.meta.url);
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}
