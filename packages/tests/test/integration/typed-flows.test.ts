import { FlowClient } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { greetingJsonSchema, registerTypedFlows } from '../fixtures/typed-flows.mjs';
import {
  closedAfterTest,
  errorOf,
  newService,
  prefixFor,
  spawnTypedWorker,
} from './typed-helpers.js';

/** How many Redis keys the test's prefix has. */
async function keyCount(prefix: string): Promise<number> {
  const redis = new Redis(inject('redisUrl'));
  try {
    let count = 0;
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      count += keys.length;
    } while (cursor !== '0');
    return count;
  } finally {
    redis.disconnect();
  }
}

describe('typed flows with Standard Schemas', () => {
  it("runs a typed flow end to end; its nodes get the input schema's value", async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const { signup } = registerTypedFlows(newService(prefix));
    const free = await signup.execute({ email: 'Ada@Example.COM' });
    const pro = await signup.execute({ email: 'bob@example.com', plan: 'pro' });
    // The default (`plan: 'free'`) comes from the schema; the join gets both parents' outputs.
    expect(await signup.waitForResult(free)).toEqual({
      email: 'ada@example.com',
      plan: 'free',
      score: 1,
    });
    expect(await signup.waitForResult(pro)).toEqual({
      email: 'bob@example.com',
      plan: 'pro',
      score: 10,
    });
  });

  it('refuses an input that fails its schema with INVALID_INPUT and the issues; nothing is stored or enqueued', async () => {
    const prefix = prefixFor();
    const service = newService(prefix);
    const { signup, greet } = registerTypedFlows(service);
    const before = await keyCount(prefix);
    const error = await errorOf(signup.execute({ email: 'not-an-email', plan: 'gold' } as never));
    expect(error.code).toBe('INVALID_INPUT');
    expect(error.message).toContain("flow 'signup'");
    const issues = error.details?.['issues'] as { path: unknown[]; message: string }[];
    expect(issues.map((issue) => issue.path)).toEqual([['email'], ['plan']]);
    const valibot = await errorOf(greet.execute({ name: '' }));
    expect(valibot.code).toBe('INVALID_INPUT');
    expect(valibot.details?.['issues']).toMatchObject([{ path: ['name'] }]);
    expect(await keyCount(prefix)).toBe(before);
    expect((await service.listRequests('signup')).requests).toEqual([]);
    // The count does see a request: a valid input stores and enqueues one.
    await signup.execute({ email: 'ada@example.com' });
    expect(await keyCount(prefix)).toBeGreaterThan(before);
  });

  it('fails a node whose output fails its schema with OUTPUT_SCHEMA_MISMATCH after its retries', async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const { rated } = registerTypedFlows(newService(prefix));
    const bad = await rated.execute({ value: -1 });
    const error = await errorOf(rated.waitForResult(bad));
    expect(error.code).toBe('REQUEST_FAILED');
    const state = await rated.state(bad);
    expect(state.status).toBe('failed');
    expect(state.nodes['rate']).toMatchObject({ status: 'failed', attempts: 2 });
    expect(state.nodes['rate']?.error).toMatchObject({
      code: 'OUTPUT_SCHEMA_MISMATCH',
      attempts: 2,
    });
    expect(state.nodes['rate']?.error?.message).toMatch(/output of node 'rate'.*does not match/);
    expect(state.nodes['report']?.status).toBe('pending');
    // A valid output is stored as the schema gives it back (doubled by its transform).
    const good = await rated.execute({ value: 4 });
    expect(await rated.waitForResult(good)).toBe('rated 8');
  });

  it("checks a fallback's output against the node's schema and completes with it", async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const { rescued } = registerTypedFlows(newService(prefix));
    const id = await rescued.execute(undefined);
    expect(await rescued.waitForResult(id)).toBe(0);
    const node = (await rescued.state(id)).nodes['guess'];
    expect(node?.status).toBe('completed');
    expect(node?.error?.code).toBe('OUTPUT_SCHEMA_MISMATCH');
  });
});

describe('typed flows over HTTP', () => {
  it('answers 400 INVALID_INPUT with the issues and enqueues nothing; a valid body runs', async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const service = newService(prefix, true);
    registerTypedFlows(service);
    await service.startServer();
    const base = `http://127.0.0.1:${service.httpPort}`;
    const post = (body: unknown, query = '') =>
      fetch(`${base}/flow/signup${query}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const before = await keyCount(prefix);
    const refused = await post({ email: 42 });
    expect(refused.status).toBe(400);
    const answer = (await refused.json()) as {
      error: { code: string; details: { issues: { path: unknown[]; message: string }[] } };
    };
    expect(answer.error.code).toBe('INVALID_INPUT');
    expect(answer.error.details.issues).toMatchObject([{ path: ['email'] }]);
    expect(await keyCount(prefix)).toBe(before);
    const ran = await post({ email: 'Ada@Example.com', plan: 'pro' }, '?wait=20');
    expect(ran.status).toBe(200);
    expect(await ran.json()).toEqual({ email: 'ada@example.com', plan: 'pro', score: 10 });
  });

  it('shows the input JSON Schema in GET /flows/:name, also where the flow was not registered', async () => {
    const prefix = prefixFor();
    await spawnTypedWorker(prefix);
    const service = newService(prefix, true);
    await service.startServer(); // registers nothing: it reads the definitions the worker published
    const base = `http://127.0.0.1:${service.httpPort}`;
    const detail = async (name: string) => {
      const answer = await fetch(`${base}/flows/${name}`);
      expect(answer.status).toBe(200);
      return ((await answer.json()) as { dag: { inputSchema?: Record<string, unknown> } }).dag;
    };
    // zod gives its own (Standard JSON Schema); valibot's is the `inputJsonSchema` option.
    expect((await detail('signup')).inputSchema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      properties: { email: { type: 'string' }, plan: { enum: ['free', 'pro'], default: 'free' } },
      required: ['email'],
    });
    expect((await detail('greet')).inputSchema).toEqual(greetingJsonSchema);
    expect((await detail('rated')).inputSchema).toMatchObject({ type: 'object' });
    expect((await detail('rescued')).inputSchema).toBeUndefined();
    // A client that registered nothing describes it the same way, and executes with the worker's version.
    const client = closedAfterTest(
      new FlowClient({ redisUrl: inject('redisUrl'), prefix, logLevel: 'error' }),
    );
    expect((await client.describe('greet')).inputSchema).toEqual(greetingJsonSchema);
    const listed = await client.flows();
    expect(listed.find((flow) => flow.name === 'greet')?.inputSchema).toEqual(greetingJsonSchema);
    expect(listed.find((flow) => flow.name === 'rescued')).not.toHaveProperty('inputSchema');
    const greet = client.flow<{ name: string }, string>('greet');
    const id = await greet.execute({ name: 'Ada' });
    expect(await greet.waitForResult(id)).toBe('hello Ada');
    await waitFor(async () => (await greet.state(id)).status === 'completed');
  });
});
