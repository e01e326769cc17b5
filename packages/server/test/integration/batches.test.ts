import type { FlowService } from '@dagflow/engine';
import { afterEach, expect, it } from 'vitest';
import { httpService } from './http-service.js';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

it('POST /flow/:name of a batched flow answers the batch id and position; ?wait= gives the batch result', async () => {
  service = httpService(import.meta.url);
  service.register(
    'ingest',
    (dag) => dag.node('upper', (inputs: string[]) => inputs.map((s) => s.toUpperCase())),
    { batch: { maxSize: 3, maxWaitMs: 500 } },
  );
  await service.start();
  const base = `http://127.0.0.1:${service.httpPort}`;
  const post = (body: string, query = '', headers: Record<string, string> = {}) =>
    fetch(`${base}/flow/ingest${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    });

  const first = await post('a');
  expect(first.status).toBe(202);
  const { requestId } = (await first.json()) as { requestId: string };
  expect(first.headers.get('x-batch-position')).toBe('0');
  const waiting = post('b', '?wait=5'); // answers once the batch ran
  await new Promise((resolve) => setTimeout(resolve, 100));
  const third = await post('c');
  expect(third.status).toBe(202);
  expect(await third.json()).toEqual({ requestId, position: 2 });
  const second = await waiting;
  expect(second.status).toBe(200);
  expect(second.headers.get('x-request-id')).toBe(requestId);
  expect(second.headers.get('x-batch-position')).toBe('1');
  expect(await second.json()).toEqual(['A', 'B', 'C']);

  // A lone input: ?wait= waits for the batch to close at maxWaitMs.
  const started = Date.now();
  const lone = await post('d', '?wait=5');
  expect(lone.status).toBe(200);
  expect(await lone.json()).toEqual(['D']);
  expect(Date.now() - started).toBeGreaterThanOrEqual(500);

  const named = await post('e', '', { 'x-request-id': 'mine' });
  expect(named.status).toBe(400);
  expect(((await named.json()) as { error: { code: string } }).error.code).toBe('INVALID_INPUT');
});

it('POST /flow/:name?stream=1 of a batched flow streams until the batch ran, ending with its result', async () => {
  service = httpService(import.meta.url);
  service.register('ingest', (dag) => dag.node('count', (inputs: string[]) => inputs.length), {
    batch: { maxSize: 10, maxWaitMs: 300 },
  });
  await service.start();
  const response = await fetch(`http://127.0.0.1:${service.httpPort}/flow/ingest?stream=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify('a'),
  });
  expect(response.status).toBe(200);
  const requestId = response.headers.get('x-request-id');
  const text = await response.text(); // the stream ends with the batch request
  expect(text).toContain(`event: request\ndata: ${JSON.stringify({ requestId, position: 0 })}`);
  expect(text).toContain(`data: ${JSON.stringify({ status: 'completed', result: 1 })}`);
});
