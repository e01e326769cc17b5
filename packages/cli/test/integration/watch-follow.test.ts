import { FlowService, type RequestState } from '@dagflow/engine';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { followOverRedis } from '../../src/follow/watch-follow.js';

let service: FlowService;
/** How often the follow read the state. */
let reads = 0;
const counted = {
  watch: (...args: Parameters<FlowService['watch']>) => service.watch(...args),
  state: (flow: string, requestId: string) => {
    reads++;
    return service.state(flow, requestId);
  },
};

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'watch-follow'),
    logLevel: 'error',
  });
  service.register('gated', (dag) => {
    dag.node('first', (n: number) => n + 1);
    dag.signal('go');
    dag.node('last', (payload: { n: number }) => ({ done: payload.n }));
    dag.edge('first', 'go').edge('go', 'last');
  });
  await service.startWorker();
});

afterAll(async () => {
  await service.close();
});

describe('followOverRedis', () => {
  it('reads the state when it changes, not on a timer, and resolves when the request ends', async () => {
    const requestId = await service.execute('gated', 1);
    const seen: RequestState[] = [];
    const followed = followOverRedis(
      counted,
      { flow: 'gated', requestId },
      {
        onState: (state) => seen.push(state),
      },
    );
    await expect.poll(() => seen.at(-1)?.nodes['go']?.status, { timeout: 10_000 }).toBe('waiting');
    // Nothing changes while the signal node waits: no reads.
    const idle = reads;
    await new Promise((done) => setTimeout(done, 1_000));
    expect(reads).toBe(idle);
    await service.signal('gated', requestId, 'go', { n: 7 });
    await expect(followed).resolves.toBe('completed');
    expect(seen.at(-1)?.status).toBe('completed');
    expect(seen.at(-1)?.nodes['last']?.status).toBe('completed');
  });

  it('rejects when aborted, and with the error of an unknown request', async () => {
    const requestId = await service.execute('gated', 1);
    const abort = new AbortController();
    const followed = followOverRedis(
      counted,
      { flow: 'gated', requestId },
      {
        onState: () => abort.abort(),
        signal: abort.signal,
      },
    );
    await expect(followed).rejects.toThrow('The follow was aborted.');
    await service.stop('gated', requestId);
    const unknown = followOverRedis(
      counted,
      { flow: 'gated', requestId: 'nope' },
      {
        onState: () => undefined,
      },
    );
    await expect(unknown).rejects.toMatchObject({ code: 'REQUEST_NOT_FOUND' });
  });
});
