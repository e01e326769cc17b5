import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { type WorkerProcess, startWorkerProcess, testPrefix } from '@dagflow/test-utils';
import { afterEach, expect, inject, it } from 'vitest';

// GET /flow/:name/requests/:id/stream and POST /flow/:name?stream=1 (issue T3-6), with the handler in
// a worker process.

let service: FlowService | undefined;
let worker: WorkerProcess | undefined;
afterEach(async () => {
  await worker?.kill();
  await service?.close();
  service = worker = undefined;
});

/** A server-only service (flow `chat` comes from the registry) and one worker process; answers the API's base URL. */
async function serve(streamLimits?: { total: number; perCaller: number }): Promise<string> {
  const prefix = testPrefix(import.meta.url, expect.getState().currentTestName ?? '');
  const redisUrl = inject('redisUrl');
  worker = startWorkerProcess(new URL('../fixtures/chunk-worker.mjs', import.meta.url).pathname, {
    REDIS_URL: redisUrl,
    DAGFLOW_PREFIX: prefix,
  });
  service = new FlowService({
    redisUrl,
    prefix,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(streamLimits === undefined ? {} : { streamLimits }),
  });
  await Promise.all([service.startServer(), worker.ready]);
  return `http://127.0.0.1:${service.httpPort}`;
}

interface Sse {
  readonly event: string | undefined;
  readonly id: string | undefined;
  readonly data: Record<string, unknown>;
}

/** Reads Server-Sent Events from a response. */
async function* events(response: Response): AsyncGenerator<Sse> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (frame.startsWith(':')) continue;
        yield {
          event: /^event: (.*)$/m.exec(frame)?.[1],
          id: /^id: (.*)$/m.exec(frame)?.[1],
          data: JSON.parse(/^data: (.*)$/m.exec(frame)?.[1] ?? 'null') as Record<string, unknown>,
        };
      }
    }
  } finally {
    await reader.cancel();
  }
}

async function all(response: Response): Promise<Sse[]> {
  const seen: Sse[] = [];
  for await (const event of events(response)) seen.push(event);
  return seen;
}

const ids = (seen: readonly Sse[]) =>
  seen.filter((event) => event.event === 'chunk').map((event) => Number(event.id));
const range = (first: number, last: number) =>
  Array.from({ length: last - first + 1 }, (_, i) => first + i);

it('streams chunks as SSE with ids; Last-Event-ID resumes right after, while running and after the end', async () => {
  const base = await serve();
  const id = await service!.execute('chat', { count: 30, gapMs: 30 });
  const url = `${base}/flow/chat/requests/${id}/stream`;
  // Read five chunks, then go away while the node still runs.
  const stop = new AbortController();
  const first = await fetch(url, { signal: stop.signal });
  expect(first.status).toBe(200);
  expect(first.headers.get('content-type')).toContain('text/event-stream');
  const early: Sse[] = [];
  for await (const event of events(first)) {
    early.push(event);
    if (early.length === 5) break;
  }
  stop.abort();
  expect(ids(early)).toEqual([1, 2, 3, 4, 5]);
  expect(early[0]!.data).toEqual({ node: 'talk', attempt: 1, seq: 1, data: { i: 0 } });
  expect((await service!.state('chat', id)).status).toBe('running');
  // Reconnect as an EventSource does: the rest, each chunk once, then the end.
  const rest = await all(await fetch(url, { headers: { 'Last-Event-ID': '5' } }));
  expect(ids(rest)).toEqual(range(6, 31));
  expect(rest.at(-2)!.data).toEqual({
    node: 'talk',
    attempt: 1,
    seq: 31,
    data: 'AQID',
    encoding: 'base64',
  });
  expect(rest.at(-1)).toEqual({ event: 'end', id: undefined, data: { status: 'completed' } });
  // After the end: Last-Event-ID (over ?from) and ?from resume there too.
  const late = await all(await fetch(`${url}?from=2`, { headers: { 'Last-Event-ID': '28' } }));
  expect(ids(late)).toEqual([29, 30, 31]);
  expect(late.at(-1)!.event).toBe('end');
  expect(ids(await all(await fetch(`${url}?from=30`)))).toEqual([31]);
  // Errors answer before a stream opens.
  expect((await fetch(`${base}/flow/chat/requests/nope/stream`)).status).toBe(404);
  expect((await fetch(`${url}?from=-1`)).status).toBe(400);
});

it('POST /flow/:name?stream=1 executes and streams in one call, ending with the result', async () => {
  const base = await serve();
  const response = await fetch(`${base}/flow/chat?stream=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': 'chat-1' },
    body: JSON.stringify({ count: 3, gapMs: 5 }),
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('x-request-id')).toBe('chat-1');
  const seen = await all(response);
  expect(seen[0]).toEqual({ event: 'request', id: undefined, data: { requestId: 'chat-1' } });
  expect(ids(seen)).toEqual([1, 2, 3, 4]);
  expect(seen.at(-1)!.data).toEqual({ status: 'completed', result: 'said' });
});

it('chunk streams take live-stream places: past the limit, 429 TOO_MANY_STREAMS', async () => {
  const base = await serve({ total: 10, perCaller: 1 });
  const id = await service!.execute('chat', { count: 50, gapMs: 20 });
  const stop = new AbortController();
  const held = await fetch(`${base}/flow/chat/requests/${id}/stream`, { signal: stop.signal });
  expect(held.status).toBe(200);
  const refused = await fetch(`${base}/flow/chat/requests/${id}/stream`);
  expect(refused.status).toBe(429);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
    'TOO_MANY_STREAMS',
  );
  const post = await fetch(`${base}/flow/chat?stream=1`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: 1, gapMs: 1 }),
  });
  expect(post.status).toBe(429);
  stop.abort();
});
