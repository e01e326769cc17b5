import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { z } from 'zod';

/**
 * A server without a flow's code checks inputs against the flow's published JSON Schema (what
 * `GET /flows/:name` serves), and answers a mismatch as a server with the code does: 400
 * `INVALID_INPUT` with `details.issues`, before anything is stored or enqueued.
 */
const services: FlowService[] = [];
let withCode = '';
let without = '';

const signup = z.object({ email: z.email(), age: z.number().int().min(18) });

function serve(prefix: string): FlowService {
  const service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(),
  });
  services.push(service);
  return service;
}

beforeAll(async () => {
  const prefix = testPrefix(import.meta.url, 'input-schema');
  const owner = serve(prefix);
  owner.register('signup', (dag) => dag.node('store', (input: unknown) => input), {
    input: signup,
  });
  await owner.start();
  withCode = `http://127.0.0.1:${owner.httpPort}`;
  const gateway = serve(prefix);
  // A declarative flow of this process: no code, a JSON Schema given with it.
  gateway.registerDefinition(
    { name: 'declared', nodes: [{ id: 'call', op: 'flow', with: { flow: 'signup' } }] },
    {
      inputJsonSchema: {
        $schema: 'http://json-schema.org/draft-07/schema#',
        type: 'object',
        required: ['email'],
        properties: { email: { type: 'string', format: 'email' } },
      },
    },
  );
  await gateway.startServer();
  without = `http://127.0.0.1:${gateway.httpPort}`;
  await waitFor(async () => (await fetch(`${without}/flows/signup`)).status === 200);
});

afterAll(async () => {
  for (const service of services) await service.close();
});

const execute = async (base: string, flow: string, input: unknown) => {
  const response = await fetch(`${base}/flow/${flow}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe('inputs of flows whose code the server lacks', () => {
  it('publishes the schema it checks', async () => {
    const detail = (await (await fetch(`${without}/flows/signup`)).json()) as {
      dag: { inputSchema?: { required?: string[] } };
    };
    expect(detail.dag.inputSchema?.required).toEqual(['email', 'age']);
  });

  it('refuses what the published schema refuses, with the body of a server that has the code', async () => {
    const bad = { email: 'not-an-email', age: 12.5 };
    const owner = await execute(withCode, 'signup', bad);
    const gateway = await execute(without, 'signup', bad);
    expect(owner.status).toBe(400);
    expect(gateway.status).toBe(400);
    const shape = {
      error: {
        code: 'INVALID_INPUT',
        message: expect.stringContaining("The input of flow 'signup' does not match its schema"),
        details: { flow: 'signup', issues: expect.any(Array) },
      },
    };
    expect(owner.body).toMatchObject(shape);
    expect(gateway.body).toMatchObject(shape);
    // The fields at fault (a JSON Schema may give several issues for one field: format and pattern).
    const paths = (body: Record<string, unknown>) => [
      ...new Set(
        (body as { error: { details: { issues: { path: unknown[] }[] } } }).error.details.issues
          .map((issue) => issue.path.join('.'))
          .sort(),
      ),
    ];
    expect(paths(gateway.body)).toEqual(paths(owner.body));
    expect(paths(gateway.body)).toEqual(['age', 'email']);
    const missing = await execute(without, 'signup', { age: 30 });
    expect(missing.body).toMatchObject({
      error: { code: 'INVALID_INPUT', details: { issues: [{ path: ['email'] }] } },
    });
  });

  it('runs what the published schema takes', async () => {
    const ok = await execute(without, 'signup', { email: 'ana@example.org', age: 30 });
    expect(ok.status).toBe(202);
  });

  it('checks a declarative flow against the JSON Schema it was given (draft-07 too)', async () => {
    const refused = await execute(without, 'declared', { email: 'nope' });
    expect(refused).toMatchObject({
      status: 400,
      body: { error: { code: 'INVALID_INPUT', details: { issues: [{ path: ['email'] }] } } },
    });
    expect((await execute(without, 'declared', { email: 'ana@example.org' })).status).toBe(202);
  });
});
