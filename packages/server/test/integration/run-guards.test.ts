import type { FlowService } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { afterEach, expect, it } from 'vitest';
import { httpService } from './http-service.js';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('POST /flow/:name: ?deadlineMs sets a finish deadline; a singleton skip answers 200 with the live id', async () => {
  service = httpService(import.meta.url);
  service.register(
    'sync',
    (dag) =>
      dag.node('n', async (input: { account: string; ms: number }, ctx) => {
        await new Promise((resolve) => {
          setTimeout(resolve, input.ms);
          ctx.signal.addEventListener('abort', resolve);
        });
        return ctx.query;
      }),
    { singleton: { key: (input: { account: string }) => input.account, mode: 'skip' } },
  );
  await service.start();
  const base = `http://127.0.0.1:${service.httpPort}`;
  const post = (body: unknown, query = '') =>
    fetch(`${base}/flow/sync${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const first = await post({ account: 'a', ms: 5_000 }, '?deadlineMs=300&tag=x');
  expect(first.status).toBe(202);
  const { requestId } = (await first.json()) as { requestId: string };
  const again = await post({ account: 'a', ms: 10 });
  expect(again.status).toBe(200);
  expect(again.headers.get('x-request-id')).toBe(requestId);
  expect(await again.json()).toEqual({ requestId, skipped: true });

  const state = (await (await fetch(`${base}/flow/sync/requests/${requestId}`)).json()) as {
    createdAt: number;
    deadline: { finishBy: number };
  };
  expect(state.deadline.finishBy).toBeCloseTo(state.createdAt + 300, -2); // from the execute
  await waitFor(async () => {
    const now = (await (await fetch(`${base}/flow/sync/requests/${requestId}`)).json()) as {
      status: string;
      error?: { code: string };
    };
    return now.status === 'stopped' && now.error?.code === 'DEADLINE_EXCEEDED';
  });
  await sleep(100); // its end clears the singleton key
  const next = await post({ account: 'a', ms: 10 }, '?wait=5&tag=y');
  expect(next.status).toBe(200);
  expect(await next.json()).toEqual({ tag: 'y' }); // deadlineMs and wait are not ctx.query

  const bad = await post({ account: 'b', ms: 1 }, '?deadlineMs=-1');
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('INVALID_INPUT');
});
