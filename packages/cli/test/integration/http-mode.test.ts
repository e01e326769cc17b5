import { execFile } from 'node:child_process';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const MAIN = new URL('../../dist/main.js', import.meta.url).pathname;
const OPERATOR = 'cli-operator-8c1d4e7a2b9f0356d8e1';
const VIEWER = 'cli-viewer-3f9a1c7e5b2d08a4c6e1f3';
let service: FlowService;
let url = '';

/** Runs the CLI against the HTTP API with `token`; answers its exit code and output. */
function dagflow(
  token: string | undefined,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    DAGFLOW_URL: url,
    DAGFLOW_TOKEN: token ?? '',
    // Nothing may go to Redis directly: this one does not answer.
    REDIS_URL: 'redis://127.0.0.1:1',
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
    prefix: testPrefix(import.meta.url, 'http-mode'),
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
  service.register('greet', (dag) =>
    dag.node('hello', (input: unknown) => `you said "${String(input)}"`),
  );
  service.register('talker', (dag) =>
    dag.node('talk', async (input: string, ctx) => {
      for (const word of ['Hello', ', ', 'world']) await ctx.emit(word);
      await ctx.emit({ n: 1 });
      if (input === 'fail') throw new Error('no more words');
      return 'said';
    }),
  );
  service.register('tally', (dag) => dag.node('double', (ns: number[]) => ns.map((n) => n * 2)), {
    batch: { maxSize: 2, maxWaitMs: 60_000 },
  });
  await service.start();
  url = `http://127.0.0.1:${service.httpPort}/`;
});

afterAll(async () => {
  await service.close();
});

describe('dagflow CLI over HTTP (DAGFLOW_URL, DAGFLOW_TOKEN)', () => {
  it('run --stream prints the chunks as they come, then the end', async () => {
    const text = await dagflow(OPERATOR, 'run', 'talker', '--stream', '--data', 'hi');
    expect(text.stdout).toBe('Hello, world{"n":1}\n');
    expect(text.stderr).toMatch(/^request \S+\n\nrequest completed\n$/);
    expect(text.code).toBe(0);
    const json = await dagflow(OPERATOR, 'run', 'talker', '--stream', '--json', '--data', 'fail');
    expect(
      json.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { node: 'talk', attempt: 1, seq: 1, data: 'Hello' },
      { node: 'talk', attempt: 1, seq: 2, data: ', ' },
      { node: 'talk', attempt: 1, seq: 3, data: 'world' },
      { node: 'talk', attempt: 1, seq: 4, data: { n: 1 } },
    ]);
    expect(json.stderr).toContain('request failed');
    expect(json.code).toBe(1);
  });

  it('runs, waits, shows status, lists and describes flows with a token', async () => {
    const run = await dagflow(
      OPERATOR,
      'run',
      'greet',
      '--data',
      'hallo',
      '--wait',
      '10',
      '--request-id',
      'h-1',
    );
    expect(run).toMatchObject({ code: 0, stdout: 'you said "hallo"\n' });
    const status = await dagflow(VIEWER, 'status', 'greet', 'h-1');
    expect(JSON.parse(status.stdout)).toMatchObject({ requestId: 'h-1', status: 'completed' });
    expect((await dagflow(VIEWER, 'flows')).stdout).toMatch(/^greet {2}version \w+ {2}1 nodes/);
    expect((await dagflow(VIEWER, 'describe', 'greet')).stdout).toBe('hello\n');
    const stop = await dagflow(OPERATOR, 'stop', 'greet', 'h-1');
    expect(stop.code).toBe(1);
    expect(stop.stderr).toContain('error INVALID_TRANSITION');
  });

  it('lists versions and migrates through the HTTP API; usage and refusals exit non-zero', async () => {
    const versions = await dagflow(VIEWER, 'versions', 'greet');
    expect(versions.code).toBe(0);
    expect(versions.stdout).toMatch(/^VERSION +CURRENT +REVISION +PUBLISHED/);
    const listed = JSON.parse((await dagflow(VIEWER, 'versions', 'greet', '--json')).stdout) as {
      version: string;
    }[];
    expect(listed).toEqual(expect.any(Array));
    // A published version's shape: GET /flows/:name/versions/:version.
    const [{ version = '' } = {}] = listed;
    expect((await dagflow(VIEWER, 'describe', 'greet', version)).stdout).toBe('hello\n');
    expect(await dagflow(VIEWER, 'describe', 'greet', 'aaaaaaaaaaaa')).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("error FLOW_NOT_FOUND: Flow 'greet' has no version"),
    });
    expect((await dagflow(VIEWER, 'describe', 'greet', 'v1')).code).toBe(2);
    const unknown = await dagflow(VIEWER, 'versions', 'nope');
    expect(unknown).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('error FLOW_NOT_FOUND'),
    });

    const viewer = await dagflow(VIEWER, 'migrate', 'greet', '--from', 'aaaaaaaaaaaa');
    expect(viewer).toMatchObject({ code: 1, stderr: expect.stringContaining('error FORBIDDEN') });
    const bulk = await dagflow(OPERATOR, 'migrate', 'greet', '--from', 'aaaaaaaaaaaa', '--json');
    expect(bulk.code).toBe(0);
    expect(JSON.parse(bulk.stdout)).toMatchObject({ from: 'aaaaaaaaaaaa', migrated: 0 });
    // h-1 completed in the test above: it is never migrated.
    const completed = await dagflow(OPERATOR, 'migrate', 'greet', 'h-1');
    expect(completed.code).toBe(1);
    expect(completed.stderr).toMatch(/^error [A-Z_]+: /);

    expect((await dagflow(OPERATOR, 'migrate', 'greet')).code).toBe(2);
    expect(
      (await dagflow(OPERATOR, 'migrate', 'greet', 'h-1', '--from', 'aaaaaaaaaaaa')).code,
    ).toBe(2);
    const malformed = await dagflow(OPERATOR, 'migrate', 'greet', '--from', 'v1');
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('12 lowercase hex digits');
  });

  it("prints a batched flow's position from the server's answer", async () => {
    const first = await dagflow(OPERATOR, 'run', 'tally', '--data', '5');
    expect(first).toMatchObject({ code: 0, stderr: 'batch position 0\n' });
    const second = await dagflow(OPERATOR, 'run', 'tally', '--data', '6', '--json', '--wait', '10');
    expect(JSON.parse(second.stdout)).toEqual({
      requestId: first.stdout.trim(),
      position: 1,
      result: [10, 12],
    });
  });

  it('fails with the server codes for a missing token and a role without the right', async () => {
    const anonymous = await dagflow(undefined, 'flows');
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toContain('error UNAUTHENTICATED');
    const viewer = await dagflow(VIEWER, 'run', 'greet', '--data', 'x');
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('error FORBIDDEN');
  });
});
