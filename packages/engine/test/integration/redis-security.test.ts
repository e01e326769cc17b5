import { fork } from 'node:child_process';
import { FlowService } from '@dagflow/engine';
import { testPrefix } from '@dagflow/test-utils';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { connectRedis } from '../../src/infra/redis-connection.js';
import { type SecuredRedis, makeTlsFiles, startSecuredRedis } from './secured-redis.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Runs `fn` with the environment variables of `env` set, restoring them after. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/**
 * A service configured by the environment only, running a flow that touches most of what a worker
 * and a client do (for-each, join, state, list, pause and resume, schedules, the metrics endpoint);
 * answers its result.
 */
async function runFlow(prefix: string): Promise<unknown> {
  const service = new FlowService({ prefix, logLevel: 'error', metricsPort: 0 });
  cleanups.push(() => service.close());
  service.register('acl', (dag) => {
    dag.node('items', (n: number) => Array.from({ length: n }, (_, i) => i));
    const each = dag.forEachBranch('each', (items: number[]) =>
      Object.fromEntries(items.map((item) => [String(item), item])),
    );
    each.node('double', (x: number) => x * 2);
    dag.node('sum', (doubled: Record<string, number>) =>
      Object.values(doubled).reduce((a, b) => a + b, 0),
    );
    dag.edge('items', 'each');
    dag.edge('each', 'sum');
  });
  await service.startWorker();
  const id = await service.execute('acl', 3);
  const result = await service.waitForResult('acl', id, { timeoutMs: 20_000 });
  await service.state('acl', id);
  await service.listRequests('acl', {});
  await service.schedule('acl', { id: 'tick', everyMs: 60_000, input: 1 });
  await service.listSchedules('acl');
  await service.unschedule('acl', 'tick');
  const paused = await service.execute('acl', 2);
  await service.pause('acl', paused).catch(() => undefined);
  await service.resume('acl', paused).catch(() => undefined);
  await service.waitForResult('acl', paused, { timeoutMs: 20_000 });
  const metrics = await fetch(`http://127.0.0.1:${service.metricsPort}/metrics`);
  expect(metrics.status).toBe(200);
  return result;
}

describe('Redis credentials and TLS from the environment', () => {
  let redis: SecuredRedis;

  it('runs a flow over mutual TLS (REDIS_TLS_CERT, REDIS_TLS_KEY, REDIS_TLS_CA), refused without a client certificate', async () => {
    const tls = makeTlsFiles();
    cleanups.push(() => tls.remove());
    redis = await startSecuredRedis((port) => [
      ...['--port', '0', '--tls-port', String(port)],
      ...['--tls-cert-file', tls.serverCert, '--tls-key-file', tls.serverKey],
      ...['--tls-ca-cert-file', tls.ca, '--tls-auth-clients', 'yes'],
    ]);
    cleanups.push(() => redis.stop());
    const url = `rediss://127.0.0.1:${redis.port}`;
    const result = await withEnv(
      {
        REDIS_URL: url,
        REDIS_TLS_CERT: tls.clientCert,
        REDIS_TLS_KEY: tls.clientKey,
        REDIS_TLS_CA: tls.ca,
      },
      () => runFlow(testPrefix(import.meta.url, 'tls')),
    );
    expect(result).toBe(6);

    const withoutCertificate = connectRedis({ url, connection: { tls: { ca: tls.ca } } });
    cleanups.push(() => withoutCertificate.disconnect());
    const error = await new Promise<Error>((resolve) => withoutCertificate.once('error', resolve));
    expect(error).toBeInstanceOf(Error);
    expect(withoutCertificate.status).not.toBe('ready');
  });

  it('runs a flow with REDIS_PASSWORD on a password-protected Redis', async () => {
    redis = await startSecuredRedis((port) => [
      '--port',
      String(port),
      '--requirepass',
      'admin-secret-1',
    ]);
    cleanups.push(() => redis.stop());
    const result = await withEnv(
      { REDIS_URL: `redis://127.0.0.1:${redis.port}`, REDIS_PASSWORD: 'admin-secret-1' },
      () => runFlow(testPrefix(import.meta.url, 'password')),
    );
    expect(result).toBe(6);
  });

  it('runs a flow as an ACL user limited to the ACL docs/security.md documents', async () => {
    redis = await startSecuredRedis((port) => [
      '--port',
      String(port),
      '--requirepass',
      'admin-secret-2',
    ]);
    cleanups.push(() => redis.stop());
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', password: 'admin-secret-2' });
    cleanups.push(() => admin.disconnect());
    const prefix = testPrefix(import.meta.url, 'acl');
    // The rule of docs/security.md ("The Redis ACL a dagflow user needs"), for this prefix.
    const rule = `on >app-secret-3 resetkeys ~${prefix}:* resetchannels &${prefix}:* -@all +@read +@write +@scripting +@pubsub +@connection +@transaction +@keyspace -@dangerous +info`;
    await admin.call('ACL', 'SETUSER', 'dagflow', ...rule.split(' '));
    const result = await withEnv(
      {
        REDIS_URL: `redis://127.0.0.1:${redis.port}`,
        REDIS_USERNAME: 'dagflow',
        REDIS_PASSWORD: 'app-secret-3',
      },
      () => runFlow(prefix),
    );
    expect(result).toBe(6);
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
  });

  it('refuses to start, with INVALID_CONFIG naming +info, for an ACL user without INFO (instead of spinning and growing memory)', async () => {
    redis = await startSecuredRedis((port) => [
      '--port',
      String(port),
      '--requirepass',
      'admin-secret-4',
    ]);
    cleanups.push(() => redis.stop());
    const admin = new Redis({ port: redis.port, host: '127.0.0.1', password: 'admin-secret-4' });
    cleanups.push(() => admin.disconnect());
    await admin.call(
      'ACL',
      'SETUSER',
      'noinfo',
      'on',
      '>app-secret-5',
      '~*',
      '&*',
      '+@all',
      '-info',
    );
    // In a child process: before the fix its event loop spun (each BullMQ worker's fetch loop failing
    // at once, forever) and its memory grew by tens of MB a second, so it never answered at all.
    const child = fork(new URL('../fixtures/acl-start.mjs', import.meta.url).pathname, [], {
      env: {
        ...process.env,
        REDIS_URL: `redis://noinfo:app-secret-5@127.0.0.1:${redis.port}`,
        DAGFLOW_PREFIX: testPrefix(import.meta.url, 'noinfo'),
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      execArgv: [],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    cleanups.push(async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    });
    const started = Date.now();
    const outcome = await Promise.race([
      new Promise<unknown>((resolve) => child.once('message', resolve)),
      new Promise<string>((resolve) => setTimeout(() => resolve('no answer within 15 s'), 15_000)),
    ]);
    expect(outcome).toEqual({
      failed: { code: 'INVALID_CONFIG', message: expect.stringContaining('+info') as string },
    });
    expect(await exited).toBe(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
