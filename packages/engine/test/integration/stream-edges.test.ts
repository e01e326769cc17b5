import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor, spawnFixture } from './helpers.js';

// Stream edges (issue T3-6): dag.edge('llm', 'speak', { stream: true }) with the producer and the
// consumer in two worker processes; the consumer's process knows the flows from the registry only.

async function setup() {
  const prefix = prefixFor();
  const [producer, consumer] = await Promise.all([
    spawnFixture('stream-edge-producer.mjs', prefix),
    spawnFixture('stream-edge-consumer.mjs', prefix),
  ]);
  const client = newService({ prefix }); // registers nothing: it knows the flows from the registry
  await waitFor(
    async () =>
      ((await client.flows()).find((flow) => flow.name === 'edge-tokens')?.workers['voice'] ?? 0) >
      0,
    { timeoutMs: 15_000 },
  );
  return { client, producer, consumer };
}

interface Spoken {
  read: string[];
  pid: number;
  startedAt: number;
  firstAt: number;
  llm: { text: string; pid: number; startedAt: number };
}

describe('stream edges', () => {
  it('the consumer starts while the producer runs, in another process, and reads every chunk once, in order', async () => {
    const { client, producer, consumer } = await setup();
    const id = await client.execute('edge-tokens', { count: 30, gapMs: 20 });
    const spoken = (await client.waitForResult('edge-tokens', id)) as Spoken;
    const tokens = Array.from({ length: 30 }, (_, i) => `t${i}`);
    expect(spoken.read).toEqual(tokens);
    expect(spoken.llm).toMatchObject({ text: tokens.join(''), pid: producer.pid });
    expect(spoken.pid).toBe(consumer.pid);
    const state = await client.state('edge-tokens', id);
    const llmEnd = state.nodes['llm']!.finishedAt!;
    // Timestamps of two processes on one machine: the consumer started and read its first chunk
    // while the producer still had ~580 ms of tokens to emit.
    expect(spoken.startedAt).toBeLessThan(llmEnd - 200);
    expect(spoken.firstAt).toBeLessThan(llmEnd - 200);
    expect(state.nodes['speak']!.finishedAt!).toBeGreaterThanOrEqual(llmEnd);
    expect(state.nodes['speak']!.status).toBe('completed');
  });

  it('a producer retried mid-stream: the consumer gets UPSTREAM_RETRIED, runs again on the new attempt, and the result is right', async () => {
    const { client } = await setup();
    const id = await client.execute('edge-retry', null);
    const result = await client.waitForResult('edge-retry', id);
    expect(result).toEqual({
      read: ['a2-0', 'a2-1', 'a2-2', 'a2-3', 'a2-4'],
      llm: 'done',
      retried: { read: ['a1-0', 'a1-1', 'a1-2'], code: 'UPSTREAM_RETRIED' },
    });
    const state = await client.state('edge-retry', id);
    expect(state.nodes['llm']).toMatchObject({ status: 'completed', attempts: 2 });
    expect(state.nodes['speak']!.status).toBe('completed');
    // The consumer's wait for the producer's next attempt did not count as a failed attempt.
    expect(state.nodes['speak']!.error).toBeUndefined();
  });

  it('a producer that fails for good: the request fails and the consumer never completes', async () => {
    const { client } = await setup();
    const id = await client.execute('edge-fails', null);
    await expect(client.waitForResult('edge-fails', id)).rejects.toMatchObject({
      code: 'REQUEST_FAILED',
    });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const state = await client.state('edge-fails', id);
    expect(state.nodes['llm']!.status).toBe('failed');
    expect(state.nodes['speak']?.status).not.toBe('completed');
  });

  it('the stream edge is in the published description', async () => {
    const { client } = await setup();
    const description = await client.describe('edge-tokens');
    expect(description.edges).toEqual([{ from: 'llm', to: 'speak', stream: true }]);
  });
});
