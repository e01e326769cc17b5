import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { describe, expect, inject, it } from 'vitest';
import { createTestEnv } from '../../src/index.js';

const run = promisify(execFile);
const PACKAGE = new URL('../../', import.meta.url).pathname;

describe('the test environment', () => {
  it('uses a given Redis under a prefix of its own and leaves no key behind', async () => {
    const redisUrl = inject('redisUrl');
    const env = await createTestEnv({ redisUrl });
    await expect(createTestEnv()).rejects.toMatchObject({
      code: 'TEST_ENV_OPEN',
      message: expect.stringMatching(/open in this process already .*close it/),
    });
    env.service.register('late', (dag) => dag.node('echo', (input: number) => input + 1));
    const { result, nodes } = await env.run('late', 41);
    expect(result).toBe(42);
    expect(nodes['echo']).toMatchObject({
      status: 'completed',
      attempts: 1,
      input: 41,
      output: 42,
    });
    await env.close();
    await env.close(); // safe twice
    const redis = new Redis(redisUrl);
    try {
      expect(await redis.keys('dagflow-test-*')).toEqual([]);
    } finally {
      redis.disconnect();
    }
  });

  it('refuses a second environment while one is open (TEST_ENV_OPEN), also when both start at once', async () => {
    // Each would start its own redis-server: the place is taken before that first wait.
    const both = await Promise.allSettled([createTestEnv(), createTestEnv()]);
    const opened = both.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const refused = both.flatMap((s) => (s.status === 'rejected' ? [s.reason as unknown] : []));
    expect(opened).toHaveLength(1);
    expect(refused).toEqual([expect.objectContaining({ code: 'TEST_ENV_OPEN' })]);
    const [first] = opened;
    await first?.close();
    // Once closed, the next one opens, with the clock at the system time again.
    const next = await createTestEnv({ redisUrl: inject('redisUrl') });
    try {
      expect(Math.abs(next.now() - Date.now())).toBeLessThan(5_000);
      next.service.register('echo', (dag) => dag.node('n', (input: number) => input));
      expect((await next.run('echo', 7)).result).toBe(7);
    } finally {
      await next.close();
    }
  });

  it('passes its tests under node --test, from the built package', async () => {
    const { stdout } = await run('node', ['--test', 'test/node/kit.test.mjs'], {
      cwd: PACKAGE,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/# pass 2\n# fail 0/);
  }, 70_000);
});
