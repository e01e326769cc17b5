import { describe, expect, it } from 'vitest';
import { ErrorCode, FlowClient, FlowService, loadConfig } from '../src/index.js';

/** INVALID_CONFIG whose message names `name`. */
const naming = (name: string): unknown =>
  expect.objectContaining({
    code: ErrorCode.INVALID_CONFIG,
    message: expect.stringContaining(name) as string,
  });

/** Malformed values of every variable a worker or a server reads, and none a client reads. */
const BAD_FOR_OTHERS = {
  PORT: 'abc',
  HOST: '',
  DAGFLOW_AUDIT_MAX_ENTRIES: 'many',
  WORKER_CONCURRENCY: 'x',
  DAGFLOW_LOCK_DURATION_MS: '-1',
  DAGFLOW_STALLED_INTERVAL_MS: 'soon',
  DAGFLOW_STEP_UNAVAILABLE_TIMEOUT_MS: '1.5',
  MAX_OUTPUT_BYTES: 'big',
  DAGFLOW_HTTP_ALLOW: '10.0.0.0/33',
  METRICS_PORT: 'nine',
};

describe('loadConfig', () => {
  it('applies options over environment variables over defaults, in every part', () => {
    const env = {
      DAGFLOW_PREFIX: 'from-env',
      LOG_LEVEL: 'debug',
      WORKER_CONCURRENCY: '3',
      PORT: '9000',
      HOST: '10.0.0.1',
    };
    const config = loadConfig(env);
    expect(config.client().prefix).toBe('from-env');
    expect(config.client({ prefix: 'option' }).prefix).toBe('option');
    expect(loadConfig({}).client().prefix).toBe('dagflow');
    expect(config.client().logLevel).toBe('debug');
    expect(config.client({ logLevel: 'error' }).logLevel).toBe('error');
    expect(loadConfig({}).client().logLevel).toBe('info');
    expect(config.worker().workerConcurrency).toBe(3);
    expect(config.worker({ workerConcurrency: 7 }).workerConcurrency).toBe(7);
    expect(loadConfig({}).worker().workerConcurrency).toBe(10);
    expect(config.server()).toMatchObject({ port: 9000, host: '10.0.0.1' });
    expect(config.server({ port: 0, host: '::1' })).toMatchObject({ port: 0, host: '::1' });
    expect(loadConfig({}).server()).toMatchObject({ port: 8080, host: undefined });
  });

  it('reads one snapshot of the environment, taken when it loads', () => {
    const env: Record<string, string> = { DAGFLOW_PREFIX: 'before' };
    const config = loadConfig(env);
    env['DAGFLOW_PREFIX'] = 'after';
    expect(config.client().prefix).toBe('before');
  });

  it('takes an explicit redisUrl option over REDIS_CLUSTER_NODES', () => {
    const env = { REDIS_CLUSTER_NODES: 'a:7000', REDIS_URL: 'redis://env:6379' };
    expect(loadConfig(env).client({ redisUrl: 'redis://option:6379' }).redis).toEqual({
      url: 'redis://option:6379',
    });
    expect(loadConfig(env).client().redis).toEqual({
      cluster: { nodes: [{ host: 'a', port: 7000 }] },
    });
  });

  it('lets a client read only its own variables', () => {
    const config = loadConfig({ ...BAD_FOR_OTHERS, REDIS_URL: 'redis://r:1' });
    expect(config.client().redis).toEqual({ url: 'redis://r:1' });
    expect(() => config.worker()).toThrow(naming('WORKER_CONCURRENCY'));
    expect(() => config.server()).toThrow(naming('PORT'));
  });

  it('lets a worker and a server read only their own variables', () => {
    expect(loadConfig({ PORT: 'abc' }).worker().workerConcurrency).toBe(10);
    expect(loadConfig({ WORKER_CONCURRENCY: 'x', DAGFLOW_HTTP_ALLOW: 'a b' }).server().port).toBe(
      8080,
    );
  });

  it('refuses a malformed value with INVALID_CONFIG naming its variable', () => {
    const cases: [Record<string, string>, 'client' | 'worker' | 'server', string][] = [
      [{ LOG_LEVEL: 'loud' }, 'client', 'LOG_LEVEL'],
      [{ DAGFLOW_PARTITIONS: '0' }, 'client', 'DAGFLOW_PARTITIONS'],
      [{ DAGFLOW_MAX_FOREACH_ITEMS: 'lots' }, 'client', 'DAGFLOW_MAX_FOREACH_ITEMS'],
      [{ DAGFLOW_MAX_VERSIONS: '-2' }, 'client', 'DAGFLOW_MAX_VERSIONS'],
      [{ REDIS_URL: 'localhost:6379' }, 'client', 'REDIS_URL'],
      [{ REDIS_CLUSTER_NODES: 'a' }, 'client', 'REDIS_CLUSTER_NODES'],
      [{ WORKER_CONCURRENCY: '0' }, 'worker', 'WORKER_CONCURRENCY'],
      [{ DAGFLOW_LOCK_DURATION_MS: '1e3x' }, 'worker', 'DAGFLOW_LOCK_DURATION_MS'],
      [{ MAX_OUTPUT_BYTES: 'big' }, 'worker', 'MAX_OUTPUT_BYTES'],
      [{ METRICS_PORT: 'nine' }, 'worker', 'METRICS_PORT'],
      [{ PORT: 'abc' }, 'server', 'PORT'],
      [{ PORT: '70000' }, 'server', 'PORT'],
      [{ DAGFLOW_AUDIT_MAX_ENTRIES: 'many' }, 'server', 'DAGFLOW_AUDIT_MAX_ENTRIES'],
    ];
    for (const [env, role, name] of cases) {
      expect(() => loadConfig(env)[role](), `${role} ${name}`).toThrow(naming(name));
    }
    expect(() => loadConfig({}).worker({ workerConcurrency: 0 })).toThrow(
      naming('workerConcurrency'),
    );
  });

  it('resolves a part of another package through the same step and precedence', () => {
    const part = (options: { limit?: number }, env: ReturnType<typeof loadConfig>['env']) => ({
      limit: options.limit ?? env.int('MY_LIMIT', 1) ?? 5,
    });
    expect(loadConfig({ MY_LIMIT: '9' }).part(part, {})).toEqual({ limit: 9 });
    expect(loadConfig({ MY_LIMIT: '9' }).part(part, { limit: 2 })).toEqual({ limit: 2 });
    expect(() => loadConfig({ MY_LIMIT: 'x' }).part(part, {})).toThrow(naming('MY_LIMIT'));
  });
});

describe('clients and services read their role at its start', () => {
  it('makes a FlowClient and a FlowService with a malformed PORT and worker settings', async () => {
    const env = { ...BAD_FOR_OTHERS, REDIS_URL: 'redis://127.0.0.1:1' };
    const client = new FlowClient({ env, logLevel: 'silent' });
    expect(client.options.redis).toEqual({ url: 'redis://127.0.0.1:1' });
    const service = new FlowService({ env, logLevel: 'silent' });
    await expect(service.startServer()).rejects.toThrow(naming('PORT'));
    await expect(service.startWorker()).rejects.toThrow(naming('WORKER_CONCURRENCY'));
    await Promise.all([client.close(), service.close()]);
  });

  it('fails a client at construction on a malformed client variable', () => {
    expect(() => new FlowClient({ env: { LOG_LEVEL: 'loud' } })).toThrow(naming('LOG_LEVEL'));
  });
});
