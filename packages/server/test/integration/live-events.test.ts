import type { FlowService } from '@dagflow/engine';
import { afterEach, expect, it } from 'vitest';
import { httpService } from './http-service.js';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** A service with a 3-step chain whose steps wait for a release each; answers the API's base URL. */
async function serve(): Promise<{ base: string; release: (step: string) => void }> {
  const gates = new Map<string, () => void>();
  const waitFor = (step: string) => new Promise<void>((open) => gates.set(step, open));
  service = httpService(import.meta.url);
  service.register('gated', (dag) => {
    for (const step of ['one', 'two', 'three'])
      dag.node(step, async (n: number) => {
        await waitFor(step);
        return n + 1;
      });
    dag.edge('one', 'two').edge('two', 'three');
  });
  await service.start();
  const release = (step: string) => {
    const open = gates.get(step);
    if (open === undefined) throw new Error(`${step} is not waiting`);
    open();
  };
  return { base: `http://127.0.0.1:${service.httpPort}`, release };
}

/** Reads Server-Sent Events from a response, each with the time it arrived. */
async function* events(response: Response) {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (frame.startsWith(':')) continue;
      const event = /^event: (.*)$/m.exec(frame)?.[1];
      const data = /^data: (.*)$/m.exec(frame)?.[1];
      yield { event, data: JSON.parse(data ?? 'null') as Record<string, unknown>, at: Date.now() };
    }
  }
}

const waitUntil = async (check: () => Promise<boolean>) => {
  while (!(await check())) await new Promise((done) => setTimeout(done, 20));
};

it('pushes a request’s state once, then each node change within 500 ms of it (only the nodes that changed), then ends with it', async () => {
  const { base, release } = await serve();
  const id = await service!.execute('gated', 0);
  const response = await fetch(`${base}/flow/gated/requests/${id}/events`);
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toContain('text/event-stream');
  const stream = events(response);
  const first = (await stream.next()).value!;
  expect(first.event).toBe('state');
  expect(first.data['status']).toMatch(/pending|running/);

  const seen: string[] = [];
  for (const step of ['one', 'two', 'three']) {
    await waitUntil(
      async () => (await service!.state('gated', id)).nodes[step]?.status === 'running',
    );
    const released = Date.now();
    release(step);
    // The next event that shows the step completed: a `nodes` event with only what changed.
    for (;;) {
      const { value } = await stream.next();
      if (value!.event !== 'nodes') continue;
      const nodes = value!.data['nodes'] as Record<string, { status: string }>;
      expect(Object.keys(nodes).length).toBeLessThanOrEqual(3); // the step and those after it
      if (nodes[step]?.status !== 'completed') continue;
      seen.push(step);
      console.log(`lag ${step} ${value!.at - released}`);
      expect(value!.at - released).toBeLessThan(500);
      break;
    }
  }
  expect(seen).toEqual(['one', 'two', 'three']);
  const rest = [];
  for await (const event of stream) rest.push(event);
  expect(rest.at(-1)).toMatchObject({ event: 'end', data: { status: 'completed' } });
  expect(rest.filter((event) => event.event === 'end')).toHaveLength(1);
});

it('announces the requests of a flow as they are created and end', async () => {
  const { base, release } = await serve();
  const controller = new AbortController();
  const response = await fetch(`${base}/flow/gated/events`, { signal: controller.signal });
  expect(response.status).toBe(200);
  const stream = events(response);
  const id = await service!.execute('gated', 0, { requestId: 'announced' });
  expect((await stream.next()).value).toMatchObject({
    event: 'request',
    data: { requestId: id, status: 'pending' },
  });
  for (const step of ['one', 'two', 'three']) {
    await waitUntil(
      async () => (await service!.state('gated', id)).nodes[step]?.status === 'running',
    );
    release(step);
  }
  expect((await stream.next()).value).toMatchObject({
    event: 'request',
    data: { requestId: id, status: 'completed' },
  });
  controller.abort();
});

it('answers unknown flows and requests with their codes before any stream opens', async () => {
  const { base } = await serve();
  const unknownRequest = await fetch(`${base}/flow/gated/requests/nope/events`);
  expect(unknownRequest.status).toBe(404);
  expect(await unknownRequest.json()).toMatchObject({ error: { code: 'REQUEST_NOT_FOUND' } });
  const unknownFlow = await fetch(`${base}/flow/nope/events`);
  expect(unknownFlow.status).toBe(404);
  expect(await unknownFlow.json()).toMatchObject({ error: { code: 'FLOW_NOT_FOUND' } });
});
