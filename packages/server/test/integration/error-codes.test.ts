import { FlowService } from '@dagflow/engine';
import { API_ROUTES, type ApiToken, type Role, httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/**
 * A sweep over every route of the table: seeded requests with good and bad path values, tokens,
 * bodies, media types and queries, plus the scenarios that reach the rarer codes (an empty or
 * duplicate-edged definition, a taken name, removing a flow's last step). Every error the server
 * answers is recorded as (route, status, code), and each must be listed for that route and status in
 * the served document. `DAGFLOW_SWEEP_SEED` replays a run.
 */
const SEED = Number(process.env['DAGFLOW_SWEEP_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const COUNT = 1_500;
const TOKENS: Record<Role, string> = {
  viewer: 'viewer-5b1e9d3c7a2f4086e1b9c3d7',
  operator: 'operator-2c7f1a9e4d6b3058a7c2e9f1',
  admin: 'admin-9e3a7c1f5b2d8046c3e7a1b9',
};
const tokens: ApiToken[] = Object.entries(TOKENS).map(([role, token]) => ({
  role: role as Role,
  token,
}));

let service: FlowService | undefined;
let base = '';
let document: { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
/** `METHOD /path status CODE` of every error answered. */
const answered = new Map<string, { route: string; status: number; code: string }>();
let done = '';
let running = '';

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'error-codes'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    closeTimeoutMs: 1_000,
    http: httpApi({ tokens, authFailures: { max: 1_000_000 } }),
  });
  service.register('echo', (dag) => dag.node('echo', (input: unknown) => input));
  service.register('approval', (dag) => dag.signal('approve'));
  service.register('slow', (dag) =>
    dag.node(
      'sleep',
      (_: unknown, ctx) =>
        new Promise((resolve) => {
          const timer = setTimeout(resolve, 3_000);
          ctx.signal.addEventListener('abort', () => resolve(clearTimeout(timer)));
        }),
    ),
  );
  await service.start();
  base = `http://127.0.0.1:${service.httpPort}`;
  done = await service.execute('echo', 1);
  await service.waitForResult('echo', done, { timeoutMs: 10_000 });
  running = await service.execute('slow', null);
  service.registerDefinition({
    name: 'declared',
    nodes: [{ id: 'first', op: 'flow', with: { flow: 'echo' } }],
  });
  document = (await (await fetch(`${base}/openapi.json`)).json()) as typeof document;
});

afterAll(async () => {
  await service?.close();
});

/** A small seeded generator (mulberry32). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const VALUES: Record<string, () => readonly string[]> = {
  name: () => ['echo', 'approval', 'slow', 'declared', 'nope', '%ZZ', 'a%20b'],
  id: () => [done, running, 'missing', 'first', 'hourly', 'bad%20id', 'a'.repeat(200)],
  signal: () => ['approve', 'nope'],
  path: () => ['echo', 'sleep', 'nope', 'each%5B1%5D'],
  version: () => ['000000000000', 'v1', 'ffffffffffff'],
};
const EVENT_VALUES: Record<string, () => readonly string[]> = {
  name: () => ['nope', '%ZZ', 'a%20b'],
  id: () => [done, 'missing'],
};
const BODIES: readonly (readonly [string | undefined, string])[] = [
  [undefined, ''],
  ['application/json', '{"x":1}'],
  ['application/json', '{'],
  ['application/json', '[]'],
  ['application/json', '{"everyMs":60000}'],
  ['application/json', '{"cron":"never"}'],
  ['application/json', '{"op":"flow","with":{"flow":"echo"},"id":"second","after":["first"]}'],
  ['application/json', '{"op":"nope","id":"third"}'],
  ['application/json', '{"name":"swept","nodes":[{"id":"a","op":"flow","with":{"flow":"echo"}}]}'],
  ['application/json', '{"name":"empty","nodes":[]}'],
  ['application/yaml', 'name: [unclosed'],
  ['text/plain', 'hello'],
  ['application/octet-stream', '\u0000\u0001'],
  ['application/x-www-form-urlencoded', 'a=1'],
];
const QUERIES = [
  '',
  '',
  '?wait=abc',
  '?wait=0.05',
  '?limit=0',
  '?force=true',
  '?from=v1',
  '?nodes=&cursor=x',
];
const WHO = [undefined, 'not-a-token', TOKENS.viewer, TOKENS.operator, TOKENS.admin, TOKENS.admin];

/** Sends one request to `route` and records its error answer, if any. */
async function send(
  route: string,
  path: string,
  init: {
    method: string;
    token?: string;
    type?: string;
    body?: string;
    headers?: Record<string, string>;
  },
): Promise<{ status: number; code?: string }> {
  const response = await fetch(`${base}${path}`, {
    method: init.method,
    headers: {
      ...(init.token === undefined ? {} : { authorization: `Bearer ${init.token}` }),
      ...(init.type === undefined ? {} : { 'content-type': init.type }),
      ...init.headers,
    },
    ...(init.body === undefined || init.body === '' ? {} : { body: init.body }),
    signal: AbortSignal.timeout(10_000),
  });
  const type = response.headers.get('content-type') ?? '';
  if (response.status < 400 || !type.startsWith('application/json')) {
    await response.body?.cancel();
    return { status: response.status };
  }
  const { error } = (await response.json()) as { error: { code: string } };
  answered.set(`${route} ${response.status} ${error.code}`, {
    route,
    status: response.status,
    code: error.code,
  });
  return { status: response.status, code: error.code };
}

/** The codes the document lists for an operation and status. */
function documented(route: string, status: number): readonly string[] {
  const [method = '', path = ''] = route.split(' ');
  const answer = document.paths[path]?.[method.toLowerCase()]?.responses[String(status)] as
    { content?: Record<string, { schema?: { allOf?: unknown[] } }> } | undefined;
  const code = answer?.content?.['application/json']?.schema?.allOf?.[1] as
    { properties: { error: { properties: { code: { enum: string[] } } } } } | undefined;
  return code?.properties.error.properties.code.enum ?? [];
}

const template = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe('every error code answered is documented for its route', () => {
  it('reaches the rarer codes of the registry routes', async () => {
    const admin = { token: TOKENS.admin, type: 'application/json' };
    const post = (body: unknown) =>
      send('POST /flows', '/flows', { ...admin, method: 'POST', body: JSON.stringify(body) });
    const node = (id: string) => ({ id, op: 'flow', with: { flow: 'echo' } });
    expect(await post({ name: 'none', nodes: [] })).toMatchObject({ code: 'DAG_EMPTY' });
    expect(
      await post({
        name: 'twice',
        nodes: [node('a'), node('b')],
        edges: [
          ['a', 'b'],
          ['a', 'b'],
        ],
      }),
    ).toMatchObject({ code: 'DAG_DUPLICATE_EDGE' });
    expect(await post({ name: 'zero', nodes: [node('a')], concurrency: 0 })).toMatchObject({
      status: 422,
      code: 'DEFINITION_INVALID',
    });
    expect(await post({ name: 'taken', nodes: [node('a')] })).toEqual({ status: 201 });
    expect(await post({ name: 'taken', nodes: [node('a')] })).toMatchObject({
      code: 'FLOW_ALREADY_REGISTERED',
    });
    const removeLast = await send(
      'DELETE /admin/flows/{name}/steps/{id}',
      '/admin/flows/taken/steps/a',
      { method: 'DELETE', token: TOKENS.admin },
    );
    expect(removeLast).toMatchObject({ status: 422, code: 'DAG_EMPTY' });
  });

  it(`sweeps ${COUNT} seeded requests over every route (seed ${SEED})`, async () => {
    const next = random(SEED);
    const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
    for (let i = 0; i < COUNT; i += 8) {
      await Promise.all(
        Array.from({ length: 8 }, () => {
          const route = pick(API_ROUTES);
          // A live stream answers errors at once, but streams on while its request or flow lives:
          // only the values of an ended request or of no flow are sent to those routes.
          const values = route.path.endsWith('/events') ? EVENT_VALUES : VALUES;
          const path = route.path.replace(/:(\w+)/g, (_, name: string) =>
            pick(values[name]?.() ?? ['x']),
          );
          const [type, body] = pick(BODIES);
          const token = pick(WHO);
          const crossSite = next() < 0.1 ? { 'sec-fetch-site': 'cross-site' } : undefined;
          return send(
            `${route.method.toUpperCase()} ${template(route.path)}`,
            `${path}${pick(QUERIES)}`,
            {
              method: route.method.toUpperCase(),
              ...(token === undefined ? {} : { token }),
              ...(route.method === 'get' || type === undefined ? {} : { type, body }),
              ...(crossSite === undefined ? {} : { headers: crossSite }),
            },
          );
        }),
      );
    }
    expect(answered.size).toBeGreaterThan(100);
  }, 120_000);

  it('finds each (route, status, code) answered in the document', () => {
    const missing = [...answered.values()]
      .filter(({ route, status, code }) => !documented(route, status).includes(code))
      .map(({ route, status, code }) => `${route} ${status} ${code}`);
    expect(missing, `seed ${SEED}`).toEqual([]);
  });
});
