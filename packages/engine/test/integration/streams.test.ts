import type { FlowService, StreamChunk } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { registerStreamFlows } from '../fixtures/stream-flows.mjs';
import { newService, prefixFor, spawnFixture } from './helpers.js';

// ctx.emit and service.stream (issue T3-6), with handlers in real worker processes.

/** A client that knows the stream flows, and `workers` worker processes with `env`. */
async function setup(workers = 1, env: Record<string, string> = {}) {
  const prefix = prefixFor();
  const client = newService({ prefix });
  registerStreamFlows(client);
  const started = await Promise.all(
    Array.from({ length: workers }, () => spawnFixture('stream-worker.mjs', prefix, env)),
  );
  return { client, workers: started };
}

async function readAll(
  client: FlowService,
  flow: string,
  id: string,
  options: { from?: number; node?: string } = {},
): Promise<StreamChunk[]> {
  const chunks: StreamChunk[] = [];
  for await (const chunk of client.stream(flow, id, options)) chunks.push(chunk);
  return chunks;
}

describe('streams', () => {
  it('10,000 chunks of one node reach a reader in order, none lost or doubled, while it runs', async () => {
    const { client } = await setup();
    const id = await client.execute('stream-many', { count: 10_000, holdMs: 300 });
    const chunks: StreamChunk[] = [];
    let firstAt = 0;
    for await (const chunk of client.stream('stream-many', id)) {
      if (chunks.length === 0) firstAt = Date.now();
      chunks.push(chunk);
    }
    expect(chunks.map((chunk) => (chunk.data as { i: number }).i)).toEqual(
      Array.from({ length: 10_000 }, (_, i) => i),
    );
    expect(chunks.map((chunk) => chunk.seq)).toEqual(
      Array.from({ length: 10_000 }, (_, i) => i + 1),
    );
    expect(new Set(chunks.map((chunk) => `${chunk.node}/${chunk.attempt}`))).toEqual(
      new Set(['talk/1']),
    );
    const state = await client.state('stream-many', id);
    expect(state.status).toBe('completed');
    expect(firstAt, 'the first chunk came before the node ended').toBeLessThan(
      state.nodes['talk']!.finishedAt!,
    );
    // Read again after the end, resumed after seq 9,990: the last ten, then the end.
    const rest = await readAll(client, 'stream-many', id, { from: 9_990 });
    expect(rest.map((chunk) => chunk.seq)).toEqual(Array.from({ length: 10 }, (_, i) => 9_991 + i));
  });

  it('a node filter reads that node only; an unknown request fails the read', async () => {
    const { client } = await setup();
    const id = await client.execute('stream-many', { count: 5 });
    expect((await readAll(client, 'stream-many', id, { node: 'talk' })).length).toBe(5);
    expect(await readAll(client, 'stream-many', id, { node: 'other' })).toEqual([]);
    await expect(readAll(client, 'stream-many', 'no-such-request')).rejects.toMatchObject({
      code: 'REQUEST_NOT_FOUND',
    });
  });

  it('a worker killed mid-stream: the next attempt streams again, each chunk names its attempt', async () => {
    const { client, workers } = await setup(2, { LOCK_MS: '1000', STALLED_MS: '500' });
    const id = await client.execute('stream-crash', null);
    const chunks: StreamChunk[] = [];
    for await (const chunk of client.stream('stream-crash', id)) {
      chunks.push(chunk);
      const data = chunk.data as { i: number; pid: number };
      if (chunk.attempt === 1 && data.i === 3) {
        await workers.find((worker) => worker.pid === data.pid)!.kill();
      }
    }
    const first = chunks.filter((chunk) => chunk.attempt === 1);
    const second = chunks.filter((chunk) => chunk.attempt === 2);
    expect(first.length).toBeGreaterThanOrEqual(4);
    expect(second.map((chunk) => (chunk.data as { i: number }).i)).toEqual([0, 1, 2, 3, 4]);
    expect(chunks.indexOf(second[0]!)).toBe(first.length);
    const seqs = chunks.map((chunk) => chunk.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(await client.waitForResult('stream-crash', id)).toBe('done');
  });

  it("a stale attempt's late emit is refused with STALE_ATTEMPT", async () => {
    const { client } = await setup();
    const id = await client.execute('stream-stale', null);
    const chunks = await readAll(client, 'stream-stale', id);
    expect(chunks.map((chunk) => [chunk.data, chunk.attempt])).toEqual([
      ['a1-early', 1],
      ['a2', 2],
    ]);
    // The stale attempt kept the refusal's code in the request's store; attempt 2 returned it.
    expect(await client.waitForResult('stream-stale', id)).toEqual({ late: 'STALE_ATTEMPT' });
  });

  it("a rerun keeps the failed attempt's chunks; the new attempt's follow them", async () => {
    const { client } = await setup();
    const id = await client.execute('stream-rerun', null);
    await expect(client.waitForResult('stream-rerun', id)).rejects.toMatchObject({
      code: 'REQUEST_FAILED',
    });
    expect((await readAll(client, 'stream-rerun', id)).map((chunk) => chunk.data)).toEqual([1]);
    await client.rerun('stream-rerun', id);
    expect(await client.waitForResult('stream-rerun', id)).toBe('rerun');
    const chunks = await readAll(client, 'stream-rerun', id);
    expect(chunks.map((chunk) => [chunk.seq, chunk.attempt, chunk.data])).toEqual([
      [1, 1, 1],
      [2, 2, 2],
    ]);
  });

  it('chunk and stream limits refuse with STREAM_LIMIT_EXCEEDED', async () => {
    const { client } = await setup(1, {
      DAGFLOW_MAX_CHUNK_BYTES: '1000',
      DAGFLOW_MAX_STREAM_BYTES: '5000',
    });
    const id = await client.execute('stream-limits', { big: 2_000, small: 400 });
    expect(await client.waitForResult('stream-limits', id)).toEqual({
      chunk: 'STREAM_LIMIT_EXCEEDED',
      stream: 'STREAM_LIMIT_EXCEEDED',
      // 402 bytes each (a JSON string): 12 fit in 5,000.
      count: 12,
    });
    expect((await readAll(client, 'stream-limits', id)).length).toBe(12);
  });
});
