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
    await expect(createTestEnv()).rejects.toThrow(/open in this process already/);
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

  it('passes its tests under node --test, from the built package', async () => {
    const { stdout } = await run('node', ['--test', 'test/node/kit.test.mjs'], {
      cwd: PACKAGE,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/# pass 2\n# fail 0/);
  }, 70_000);
});
