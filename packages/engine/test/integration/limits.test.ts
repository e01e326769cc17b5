import { ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const redis = new Redis(inject('redisUrl'));
const releases: (() => void)[] = [];
afterEach(() => {
  for (const release of releases.splice(0)) release();
});

/** A promise the test resolves at its end (or sooner). */
function gate(): Promise<void> {
  return new Promise((resolve) => releases.push(resolve));
}

describe('limits', () => {
  it('fails a for-each over maxForEachItems with TOO_MANY_ITEMS, at once, and runs one at the limit', async () => {
    const service = newService({ prefix: prefixFor(), maxForEachItems: 5 });
    service.register('fan', (dag) => {
      const body = dag.forEachBranch('each', (n: number) =>
        Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i])),
      );
      body.node('double', (i: number) => i * 2);
    });
    await service.startWorker();
    const atLimit = await service.execute('fan', 5);
    expect(await service.waitForResult('fan', atLimit)).toEqual({
      k0: 0,
      k1: 2,
      k2: 4,
      k3: 6,
      k4: 8,
    });
    const over = await service.execute('fan', 6);
    await expect(service.waitForResult('fan', over)).rejects.toMatchObject({
      code: ErrorCode.REQUEST_FAILED,
    });
    const state = await service.state('fan', over);
    expect(state.error).toMatchObject({ code: ErrorCode.TOO_MANY_ITEMS, attempts: 1 });
    expect(Object.keys(state.nodes).filter((path) => path.includes('['))).toEqual([]);
  });

  it('keeps item keys such as __proto__ and constructor as ordinary keys', async () => {
    const service = newService({ prefix: prefixFor() });
    service.register('keys', (dag) => {
      dag
        .forEachBranch('each', (items: Record<string, number>) => items)
        .node('inc', (i: number) => i + 1);
    });
    await service.startWorker();
    const items = JSON.parse('{"__proto__": 1, "constructor": 2, "toString": 3}') as object;
    const id = await service.execute('keys', items);
    const result = (await service.waitForResult('keys', id)) as Record<string, number>;
    expect(Object.getPrototypeOf(result)).toBe(Object.prototype);
    expect(Object.entries(result).sort()).toEqual([
      ['__proto__', 2],
      ['constructor', 3],
      ['toString', 4],
    ]);
    const state = await service.state('keys', id);
    expect(state.nodes['each[__proto__]/inc']?.status).toBe('completed');
    expect(state.nodes['each[constructor]/inc']?.status).toBe('completed');
  });

  it('drops index entries of expired requests when requests are added, never those of live ones', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix, retention: { completedMs: 100, failedMs: 100 } });
    const hold = gate();
    service.register('quick', (dag) =>
      dag.node('run', async (wait: boolean) => (wait ? hold : null)),
    );
    await service.startWorker();
    const live = await service.execute('quick', true);
    const done: string[] = [];
    for (let i = 0; i < 3; i++) done.push(await service.execute('quick', false));
    for (const id of done) await service.waitForResult('quick', id);
    const index = `${prefix}:requests:{quick}`;
    expect(await redis.zcard(index)).toBe(4);
    // The finished requests expire after 100 ms; the next add past the trim interval drops their entries.
    await waitFor(async () => (await redis.exists(`${prefix}:r:{quick/${done[0]}}:state`)) === 0);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const next = await service.execute('quick', true);
    expect((await redis.zrange(index, 0, -1)).sort()).toEqual([live, next].sort());
    expect((await service.state('quick', live)).status).toBe('running');
  });

  it('keeps at most maxVersions definition versions, and the versions live requests run on', async () => {
    const prefix = prefixFor();
    const service = newService({ prefix, maxVersions: 3 });
    const hold = gate();
    service.register('changing', (dag) => dag.node('step', () => hold.then(() => 'first')));
    await service.startWorker();
    const first = (await service.flows()).find((flow) => flow.name === 'changing')?.version;
    const running = await service.execute('changing', null);
    await waitFor(async () => (await service.state('changing', running)).status === 'running');
    const versions = `${prefix}:versions:{changing}`;
    for (let i = 0; i < 6; i++) {
      const { version } = service.replaceStep('changing', 'step', { handler: () => `v${i}` });
      // Each change is published in the background: wait for it before the next.
      await waitFor(async () => (await redis.hexists(versions, version)) === 1);
    }
    // The three newest, and the first, which the running request is on.
    await waitFor(async () => (await redis.hlen(versions)) === 4);
    expect(await redis.hexists(versions, String(first))).toBe(1);
    releases.splice(0).forEach((release) => release());
    expect(await service.waitForResult('changing', running)).toBe('first');
  });
});
