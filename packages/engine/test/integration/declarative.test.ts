import { createServer, type Server } from 'node:http';
import { DagValidationError, ErrorCode, parseDefinition } from '@dagflow/engine';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

/** A local HTTP service answering 503 to its first call, then the doubled price. */
async function quoteService(): Promise<{ url: string; calls: () => number }> {
  let calls = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      calls += 1;
      if (calls === 1) {
        res.writeHead(503).end('busy');
        return;
      }
      const { amount } = JSON.parse(body) as { amount: number };
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ price: amount * 2 }));
    });
  });
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/quote`,
    calls: () => calls,
  };
}

describe('declarative flows', () => {
  it('runs a JSON flow with an http step (503, then 200), a conditional branch and a flow step end to end', async () => {
    const quote = await quoteService();
    // The quote service listens on loopback, which the http operation reaches only when allowed.
    const service = newService({ prefix: prefixFor(), httpAllow: ['127.0.0.1'] });
    service.operation('discount', (input) => ({ price: (input as { price: number }).price * 0.5 }));
    service.operation('identity', (input) => input);
    service.operation('tag', (input, params) => ({ ...(input as object), tier: params['tier'] }));
    service.registerDefinition(
      parseDefinition(
        `name: tax
nodes:
  - id: add-tax
    op: identity`,
        'yaml',
      ),
    );
    service.registerDefinition({
      name: 'order',
      nodes: [
        {
          id: 'quote',
          op: 'http',
          with: { url: quote.url },
          retries: 2,
          backoff: { type: 'fixed', delayMs: 20 },
        },
        { id: 'tier', op: 'tag', with: { tier: 'gold' } },
        {
          id: 'route',
          branch: {
            select: 'tier',
            branches: {
              gold: { nodes: [{ id: 'cut', op: 'discount' }] },
              basic: { nodes: [{ id: 'keep', op: 'identity' }] },
            },
          },
        },
        { id: 'taxed', op: 'flow', with: { flow: 'tax' } },
      ],
      edges: [['quote', 'tier'], ['route', 'taxed'], { from: 'tier', to: 'route' }],
    });
    await service.startWorker();
    const id = await service.execute('order', { amount: 21 });
    expect(await service.waitForResult('order', id)).toEqual({ gold: { price: 21 } });
    expect(quote.calls()).toBe(2);
    expect((await service.state('order', id)).nodes['quote']).toMatchObject({
      status: 'completed',
      attempts: 2,
    });
    expect((await service.describe('order')).nodes.map((node) => node.id)).toEqual([
      'quote',
      'tier',
      'route',
      'taxed',
    ]);
  });

  it('selects branches and fans out from data', async () => {
    const service = newService({ prefix: prefixFor() });
    service.operation('double', (input) => Number(input) * 2);
    service.operation('identity', (input) => input);
    service.registerDefinition({
      name: 'shapes',
      nodes: [
        {
          id: 'route',
          branch: {
            select: 'kind',
            branches: {
              many: {
                nodes: [
                  {
                    id: 'each',
                    forEach: { items: 'values', body: { nodes: [{ id: 'twice', op: 'double' }] } },
                  },
                ],
              },
              one: { nodes: [{ id: 'same', op: 'identity' }] },
            },
          },
        },
      ],
    });
    await service.startWorker();
    const many = await service.execute('shapes', { kind: 'many', values: [1, 2, 3] });
    expect(await service.waitForResult('shapes', many)).toEqual({ many: { 0: 2, 1: 4, 2: 6 } });
    const both = await service.execute('shapes', { kind: ['one', 'many'], values: { a: 5 } });
    expect(await service.waitForResult('shapes', both)).toEqual({
      one: { kind: ['one', 'many'], values: { a: 5 } },
      many: { a: 10 },
    });
  });

  it('rejects invalid definitions with errors that name the problem', () => {
    const service = newService({ prefix: prefixFor() });
    const rejected = (definition: unknown): DagValidationError => {
      try {
        service.registerDefinition(definition);
      } catch (error) {
        if (error instanceof DagValidationError) return error;
        throw error;
      }
      throw new Error('expected a rejection');
    };
    expect(rejected({ name: 'x', nodes: [{ id: 'a', op: 'http' }, { id: 'b' }] })).toMatchObject({
      code: ErrorCode.DEFINITION_INVALID,
      nodes: ['nodes[1]'],
      message: expect.stringContaining(
        'needs exactly one of op, signal, waitFor, sleepMs, flow, subDag, branch, forEach',
      ) as string,
    });
    expect(rejected({ name: 'x', nodes: [{ id: 'a', op: 'teleport' }] })).toMatchObject({
      code: ErrorCode.UNKNOWN_OPERATION,
      nodes: ['a'],
      message: expect.stringContaining("'teleport'") as string,
    });
    expect(
      rejected({
        name: 'x',
        nodes: [
          { id: 'a', op: 'http' },
          { id: 'b', op: 'http' },
        ],
        edges: [
          ['a', 'b'],
          ['b', 'a'],
        ],
      }),
    ).toMatchObject({
      code: ErrorCode.DAG_CYCLE,
    });
    expect(
      rejected({ name: 'x', nodes: [{ id: 'a', branch: { select: 7, branches: {} } }] }),
    ).toMatchObject({
      code: ErrorCode.DEFINITION_INVALID,
      nodes: ['nodes[0].branch.select'],
    });
    expect(rejected({ nodes: [] })).toMatchObject({
      code: ErrorCode.DEFINITION_INVALID,
      nodes: ['name'],
    });
    expect(() => parseDefinition('name: [unclosed', 'yaml')).toThrow(
      expect.objectContaining({ code: ErrorCode.DEFINITION_INVALID }) as Error,
    );
  });
});

describe('built-in publish', () => {
  it('puts the input on a named queue once, where a plain BullMQ worker looks', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix });
    // A queue name of this test only: BullMQ's default prefix is shared by the whole run.
    const orders = `orders-${prefix.replace(/\W/g, '')}`;
    service.registerDefinition({
      name: 'announce',
      nodes: [
        { id: 'out', op: 'publish', with: { queue: orders } },
        { id: 'own', op: 'publish', with: { queue: orders, prefix } },
      ],
    });
    await service.startWorker();
    const id = await service.execute('announce', { order: 7 });
    const result = (await service.waitForResult('announce', id)) as Record<
      string,
      { queue: string; prefix: string; jobId: string }
    >;
    expect(result['out']).toMatchObject({ queue: orders, prefix: 'bull' });
    expect(result['own']).toMatchObject({ queue: orders, prefix });
    const { Queue, Worker } = await import('bullmq');
    const { Redis } = await import('ioredis');
    const redis = new Redis(inject('redisUrl'), { maxRetriesPerRequest: null });
    // A plain BullMQ worker, with BullMQ's defaults, gets the message.
    const got = new Promise<unknown>((resolve) => {
      const worker = new Worker(
        orders,
        async (job) => {
          resolve(job.data);
          await worker.close(true).catch(() => undefined);
        },
        { connection: redis.duplicate() },
      );
    });
    expect(await got).toEqual({ order: 7 });
    const queue = new Queue(orders, { connection: redis, prefix });
    const jobs = await queue.getJobs(['waiting']);
    expect(jobs.map((job) => job.data as unknown)).toEqual([{ order: 7 }]);
    await queue.close();
    await redis.quit();
  });
});
