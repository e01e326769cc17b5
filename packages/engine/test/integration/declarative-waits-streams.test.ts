import { type FlowService, type StreamInput, parseDefinition } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// A YAML flow with a stream edge (tokens -> speak) and an event wait (paid), joined by `done`.
const ORDER_VOICE = `
name: order-voice
nodes:
  - id: tokens
    op: tokens
  - id: speak
    op: speak
  - id: paid
    waitFor:
      event: payment.succeeded
      match: { data.orderId: $.orderId }
      timeoutMs: 30000
  - id: done
    op: identity
edges:
  - { from: tokens, to: speak, stream: true }
  - [speak, paid]
  - [speak, done]
  - [paid, done]
`;

interface Spoken {
  orderId: string;
  read: string[];
  firstAt: number;
  upstream: unknown;
}

/** Operations: `tokens` emits `count` words 20 ms apart, `speak` reads them from its stream input. */
function withOperations(service: FlowService): FlowService {
  service.operation('tokens', async (input, _params, ctx) => {
    const { orderId, count } = input as { orderId: string; count: number };
    for (let i = 0; i < count; i += 1) {
      await ctx.emit(`w${i}`);
      await sleep(20);
    }
    return { orderId, count };
  });
  service.operation('speak', async (input): Promise<Spoken> => {
    const stream = input as StreamInput<string>;
    const read: string[] = [];
    let firstAt = 0;
    for await (const word of stream) {
      if (read.length === 0) firstAt = Date.now();
      read.push(word);
    }
    const upstream = (await stream.output()) as { orderId: string };
    return { orderId: upstream.orderId, read, firstAt, upstream };
  });
  service.operation('identity', (input) => input);
  return service;
}

describe('a declarative flow with an event wait and a stream edge', () => {
  it('streams chunks from producer to consumer while it runs, then completes with its own event', async () => {
    const service = withOperations(newService({ prefix: prefixFor() }));
    service.registerDefinition(parseDefinition(ORDER_VOICE, 'yaml'));
    await service.startWorker();
    const id = await service.execute('order-voice', { orderId: 'o-7', count: 25 });
    await waitFor(
      async () => (await service.state('order-voice', id)).nodes['paid']?.status === 'waiting',
    );

    // Another order's event, and another event name, leave the wait as it is.
    expect(await service.emit('payment.succeeded', { orderId: 'o-8', cents: 1 })).toEqual({
      delivered: 0,
    });
    expect(await service.emit('payment.failed', { orderId: 'o-7' })).toEqual({ delivered: 0 });
    expect((await service.state('order-voice', id)).nodes['paid']?.status).toBe('waiting');
    expect(await service.emit('payment.succeeded', { orderId: 'o-7', cents: 4_200 })).toEqual({
      delivered: 1,
    });

    const result = (await service.waitForResult('order-voice', id)) as {
      speak: Spoken;
      paid: unknown;
    };
    const words = Array.from({ length: 25 }, (_, i) => `w${i}`);
    expect(result.speak).toMatchObject({
      orderId: 'o-7',
      read: words,
      upstream: { orderId: 'o-7', count: 25 },
    });
    expect(result.paid).toEqual({ orderId: 'o-7', cents: 4_200 });
    const state = await service.state('order-voice', id);
    // The consumer read its first chunk while the producer still had ~480 ms of words to emit.
    const tokensEnd = state.nodes['tokens']!.finishedAt!;
    expect(result.speak.firstAt).toBeLessThan(tokensEnd - 200);
    expect(state.nodes['speak']!.startedAt!).toBeLessThan(tokensEnd - 200);
    expect(state.nodes['paid']).toMatchObject({ status: 'completed' });
    // The published description has both, as the code API would make them.
    const description = await service.describe('order-voice');
    expect(description.edges).toContainEqual({ from: 'tokens', to: 'speak', stream: true });
    expect(description.nodes.find((node) => node.id === 'paid')?.wait).toEqual({
      kind: 'event',
      event: 'payment.succeeded',
      match: { 'data.orderId': '$.orderId' },
      timeoutMs: 30_000,
    });
  });
});
