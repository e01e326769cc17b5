import type { FlowApi } from '@dagflow/engine';
import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { accessOf } from '../src/routes/access.js';
import { API_ROUTES } from '../src/routes/api-routes.js';
import { createApp } from '../src/app/app.js';
import { openApiDocument } from '../src/routes/declaration/openapi.js';

/** `createApp` only keeps the service for its routes; listing them calls nothing on it. */
const NO_SERVICE = { log: {} } as unknown as FlowApi;

/** What this test reads of an express router layer. */
interface Layer {
  readonly route?: { readonly path: string; readonly methods: Record<string, boolean> };
}

/** `METHOD /path/{param}` of every route the express app registered. */
function expressRoutes(): string[] {
  const app = createApp(NO_SERVICE);
  return (app.router.stack as unknown as Layer[]).flatMap((layer) =>
    layer.route === undefined
      ? []
      : Object.keys(layer.route.methods)
          .filter((method) => method !== '_all')
          .map(
            (method) => `${method.toUpperCase()} ${layer.route!.path.replace(/:(\w+)/g, '{$1}')}`,
          ),
  );
}

function documentedRoutes(): string[] {
  return Object.entries(openApiDocument(API_ROUTES).paths).flatMap(([path, operations]) =>
    Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`),
  );
}

describe('GET /openapi.json document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    // As a client reads it: JSON.
    const served = JSON.parse(JSON.stringify(openApiDocument(API_ROUTES))) as Record<
      string,
      unknown
    >;
    const result = await validator.validate(served);
    expect(result.errors).toBeUndefined();
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('the validator refuses a broken document (so the test above can fail)', async () => {
    const broken = structuredClone(openApiDocument(API_ROUTES)) as unknown as {
      paths: Record<string, unknown>;
    };
    broken.paths['/flows'] = { get: { responses: { 200: { content: 'none' } } } };
    expect((await new Validator().validate(broken)).valid).toBe(false);
  });

  it('has every route the express app registers, and nothing else', () => {
    const registered = expressRoutes();
    expect(registered.length).toBeGreaterThan(15);
    expect(new Set(registered).size).toBe(registered.length);
    expect(documentedRoutes().sort()).toEqual(registered.sort());
  });

  it('documents the role each operation needs as the auth check enforces it', () => {
    for (const route of API_ROUTES) {
      const path = route.path.replace(/:(\w+)/g, '{$1}');
      const operation = openApiDocument(API_ROUTES).paths[path]?.[route.method] as {
        'x-dagflow-role': string;
        security: unknown[];
      };
      const access = accessOf(route.method.toUpperCase(), route.path.replace(/:\w+/g, 'x'));
      expect(operation['x-dagflow-role'], `${route.method} ${route.path}`).toBe(access);
      expect(operation.security).toEqual(access === 'open' ? [] : [{ bearer: [] }]);
    }
  });

  it('names every error code a route answers under the status of that code', () => {
    const state = openApiDocument(API_ROUTES).paths['/flow/{name}/requests/{id}']?.['get'] as {
      responses: Record<string, { content: Record<string, { schema: unknown }> }>;
    };
    expect(state.responses['404']?.content['application/json']?.schema).toEqual({
      allOf: [
        { $ref: '#/components/schemas/Error' },
        {
          properties: {
            error: { properties: { code: { enum: ['FLOW_NOT_FOUND', 'REQUEST_NOT_FOUND'] } } },
          },
        },
      ],
    });
    expect(Object.keys(state.responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '403',
      '404',
      '429',
      '500',
      '503',
    ]);
  });

  it('lists the codes of what can raise them: a definition that fails validation, a taken name', () => {
    const codesOf = (path: string, method: string, status: string) => {
      const operation = openApiDocument(API_ROUTES).paths[path]?.[method] as {
        responses: Record<string, { content: Record<string, { schema: { allOf: unknown[] } }> }>;
      };
      const schema = operation.responses[status]?.content['application/json']?.schema;
      return (
        schema?.allOf[1] as
          { properties: { error: { properties: { code: { enum: string[] } } } } } | undefined
      )?.properties.error.properties.code.enum;
    };
    expect(codesOf('/flows', 'post', '422')).toEqual(
      expect.arrayContaining(['DAG_EMPTY', 'DAG_DUPLICATE_EDGE', 'DEFINITION_INVALID']),
    );
    expect(codesOf('/flows', 'post', '409')).toEqual(
      expect.arrayContaining(['FLOW_ALREADY_REGISTERED', 'FLOW_OWNED_BY_CODE']),
    );
    expect(codesOf('/admin/flows/{name}/steps/{id}', 'delete', '422')).toEqual(
      expect.arrayContaining(['DAG_EMPTY', 'DAG_DUPLICATE_EDGE']),
    );
    // Execute answers a wait's timeout as 202, never 504; signals take any body, never 415.
    expect(codesOf('/flow/{name}', 'post', '504')).toBeUndefined();
    expect(codesOf('/flow/{name}/requests/{id}/signals/{signal}', 'post', '415')).toBeUndefined();
  });

  it("names every service method a route's handler calls in its `calls`", () => {
    for (const route of API_ROUTES) {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- only its source is read
      const called = [...String(route.handle).matchAll(/\bservice\.(\w+)\b/g)].map((m) => m[1]);
      expect(route.calls, `${route.method} ${route.path}`).toEqual(
        expect.arrayContaining([...new Set(called)]),
      );
    }
  });

  it('gives each operation a unique id', () => {
    const ids = API_ROUTES.map((route) => route.id);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
