import { execFile } from 'node:child_process';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const OPERATOR = 'cli-operator-8c1d4e7a2b9f0356d8e1';
const VIEWER = 'cli-viewer-3f9a1c7e5b2d08a4c6e1f3';
const prefix = testPrefix(import.meta.url, 'schedule-commands');
let service: FlowService;
let url = '';

/** Runs the CLI over HTTP (with `token`) or, for `token` null, over Redis. */
function dagflow(
  token: string | null,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    ...(token === null
      ? { REDIS_URL: inject('redisUrl'), DAGFLOW_PREFIX: prefix, DAGFLOW_URL: '' }
      : { DAGFLOW_URL: url, DAGFLOW_TOKEN: token, REDIS_URL: 'redis://127.0.0.1:1' }),
    LOG_LEVEL: 'error',
  };
  return new Promise((resolve) => {
    execFile('node', [MAIN, ...args], { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix,
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi({
      tokens: [
        { role: 'operator', token: OPERATOR },
        { role: 'viewer', token: VIEWER },
      ],
    }),
  });
  service.register('report', (dag) => dag.node('make', (input: unknown) => input));
  await service.start();
  url = `http://127.0.0.1:${service.httpPort}/`;
});

afterAll(async () => {
  await service.close();
});

it('adds, lists and removes schedules over HTTP with roles, and over Redis', async () => {
  const add = ['schedule', 'add', 'report', 'daily', '--cron', '0 9 * * *', '--tz', 'UTC'];
  const refused = await dagflow(VIEWER, ...add);
  expect([refused.code, refused.stderr]).toEqual([1, expect.stringContaining('error FORBIDDEN')]);
  const added = await dagflow(OPERATOR, ...add, '--data', '{"to":"ops"}', '--json');
  expect(added.code).toBe(0);
  expect(JSON.parse(added.stdout)).toMatchObject({
    id: 'daily',
    cron: '0 9 * * *',
    tz: 'UTC',
    input: { to: 'ops' },
  });
  const viaRedis = await dagflow(null, 'schedule', 'add', 'report', 'often', '--every', '60000');
  expect(viaRedis.stdout).toMatch(/^often {2}every 60000 ms {2}next \d{4}-/);
  const list = await dagflow(VIEWER, 'schedule', 'list', 'report');
  expect(list.stdout).toMatch(/^daily {2}cron '0 9 \* \* \*' UTC {2}next .*T09:00:00\.000Z\n/m);
  expect(list.stdout).toMatch(/^often {2}every 60000 ms/m);
  const listed = await dagflow(null, 'schedule', 'list', 'report', '--json');
  expect((JSON.parse(listed.stdout) as { id: string }[]).map((s) => s.id).sort()).toEqual([
    'daily',
    'often',
  ]);
  const bad = await dagflow(OPERATOR, 'schedule', 'add', 'report', 'x', '--cron', 'nope');
  expect([bad.code, bad.stderr]).toEqual([1, expect.stringContaining('error INVALID_SCHEDULE')]);
  expect((await dagflow(OPERATOR, 'schedule', 'remove', 'report', 'daily')).stdout).toBe(
    'removed daily\n',
  );
  expect((await dagflow(null, 'schedule', 'remove', 'report', 'often', '--json')).stdout).toBe(
    '{"id":"often","removed":true}\n',
  );
  const gone = await dagflow(OPERATOR, 'schedule', 'remove', 'report', 'daily');
  expect([gone.code, gone.stderr]).toEqual([1, expect.stringContaining('SCHEDULE_NOT_FOUND')]);
  expect((await dagflow(VIEWER, 'schedule', 'list', 'report', '--json')).stdout).toBe('[]\n');
});
