import { execFile } from 'node:child_process';
import { testPrefix } from '@dagflow/test-utils';
import { expect, inject, it } from 'vitest';

it('writes JSON log lines in which every line of a node carries flow, request id and node path', async () => {
  const stderr = await new Promise<string>((resolve, reject) => {
    execFile(
      'node',
      [new URL('../fixtures/logging.mjs', import.meta.url).pathname],
      {
        env: {
          ...process.env,
          REDIS_URL: inject('redisUrl'),
          DAGFLOW_PREFIX: testPrefix(import.meta.url, 'log'),
        },
        timeout: 20_000,
      },
      (error, _stdout, err) =>
        error === null ? resolve(err) : reject(new Error(err, { cause: error })),
    );
  });
  const lines = stderr
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  const spoken = lines.find((line) => line['msg'] === 'hello from a node');
  expect(spoken).toMatchObject({
    level: 30,
    flow: 'logged',
    requestId: 'log-1',
    node: 'speak',
    attempt: 1,
    input: 'hi',
  });
  expect(typeof spoken?.['time']).toBe('string');
});
