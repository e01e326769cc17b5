import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { describe, expect, it } from 'vitest';
import type { ClientSettings } from '../src/config/client-settings.js';
import type { Env } from '../src/config/env.js';
import { loadConfig } from '../src/config/load-config.js';
import { ErrorCode, redactUrl } from '../src/index.js';
import { connectRedis, connectionOptions } from '../src/infra/redis-connection.js';

const invalid = expect.objectContaining({ code: ErrorCode.INVALID_CONFIG });
const resolveOptions = (options: ClientSettings, env: Env) => loadConfig(env).client(options);

describe('where the connections go', () => {
  it('uses REDIS_URL, then the default, when no cluster is configured', () => {
    expect(resolveOptions({}, {}).redis).toEqual({ url: 'redis://127.0.0.1:6379' });
    expect(resolveOptions({}, { REDIS_URL: 'redis://r:7000' }).redis).toEqual({
      url: 'redis://r:7000',
    });
    expect(
      resolveOptions({ redisUrl: 'rediss://a:1' }, { REDIS_URL: 'redis://b:2' }).redis,
    ).toEqual({ url: 'rediss://a:1' });
  });

  it('switches to the cluster in REDIS_CLUSTER_NODES, over REDIS_URL', () => {
    const { redis } = resolveOptions(
      {},
      { REDIS_URL: 'redis://other:6379', REDIS_CLUSTER_NODES: ' a:7000, b:7001 ,[::1]:7002' },
    );
    expect(redis).toEqual({
      cluster: {
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      },
    });
  });

  it('takes an explicit redisUrl option over REDIS_CLUSTER_NODES (options beat the environment)', () => {
    const { redis } = resolveOptions(
      { redisUrl: 'redis://single:6379' },
      { REDIS_URL: 'redis://other:6379', REDIS_CLUSTER_NODES: 'a:7000,b:7001' },
    );
    expect(redis).toEqual({ url: 'redis://single:6379' });
  });

  it('takes the redisCluster option (with its ioredis options) over REDIS_CLUSTER_NODES', () => {
    const options = { natMap: { '10.0.0.1:7000': { host: 'h', port: 1 } } };
    const { redis } = resolveOptions(
      { redisCluster: { nodes: ['h:1'], options } },
      { REDIS_CLUSTER_NODES: 'a:7000' },
    );
    expect(redis).toEqual({ cluster: { nodes: ['h:1'], options } });
  });

  it('refuses unusable settings with INVALID_CONFIG before connecting', () => {
    for (const seeds of ['a', 'a:', ':7000', 'a:0', 'a:70000', 'a:x', ' , ']) {
      expect(() => resolveOptions({}, { REDIS_CLUSTER_NODES: seeds }), seeds).toThrow(invalid);
    }
    expect(() => resolveOptions({ redisCluster: { nodes: [] } }, {})).toThrow(invalid);
    expect(() => resolveOptions({}, { REDIS_URL: 'localhost:6379' })).toThrow(invalid);
    expect(() => resolveOptions({ redisUrl: 'http://r' }, {})).toThrow(invalid);
  });

  it('reads partitions from the option, then DAGFLOW_PARTITIONS; unset means the default', () => {
    expect(resolveOptions({}, {}).partitions).toBeUndefined();
    expect(resolveOptions({}, { DAGFLOW_PARTITIONS: '6' }).partitions).toBe(6);
    expect(resolveOptions({ partitions: 2 }, { DAGFLOW_PARTITIONS: '6' }).partitions).toBe(2);
    expect(() => resolveOptions({}, { DAGFLOW_PARTITIONS: '0' })).toThrow(invalid);
    expect(() => resolveOptions({ partitions: 1.5 }, {})).toThrow(invalid);
  });
});

describe('Redis credentials, TLS and redaction', () => {
  it('applies REDIS_USERNAME and REDIS_PASSWORD to the one server, and to every cluster node', () => {
    const env = { REDIS_USERNAME: 'app', REDIS_PASSWORD: 'pw-1' };
    expect(resolveOptions({}, env).redis).toEqual({
      url: 'redis://127.0.0.1:6379',
      connection: { username: 'app', password: 'pw-1' },
    });
    const target = resolveOptions({}, { ...env, REDIS_CLUSTER_NODES: 'a:7000' }).redis;
    const cluster = connectRedis(target) as Cluster;
    try {
      expect(cluster.options.redisOptions).toMatchObject({ username: 'app', password: 'pw-1' });
    } finally {
      cluster.disconnect();
    }
    const options = resolveOptions({ redisUsername: 'u', redisPassword: 'p' }, env).redis;
    expect(options.connection).toEqual({ username: 'u', password: 'p' });
  });

  it('takes redis:// and rediss:// cluster seeds with credentials', () => {
    const { redis } = resolveOptions(
      {},
      {
        REDIS_CLUSTER_NODES:
          'rediss://app:s%3Acret@a:7000, b:7001, rediss://app:s%3Acret@[::1]:7002',
      },
    );
    expect(redis).toEqual({
      cluster: {
        nodes: [
          { host: 'a', port: 7000 },
          { host: 'b', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      },
      connection: { username: 'app', password: 's:cret', tls: {} },
    });
    for (const seeds of ['redis://a', 'redis://u:p@a:1,redis://v:p@b:2', 'redis://a:1/2']) {
      expect(() => resolveOptions({}, { REDIS_CLUSTER_NODES: seeds }), seeds).toThrow(invalid);
    }
  });

  it('reads the TLS files into every connection, and refuses TLS files with a redis:// URL', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dagflow-tls-unit-'));
    try {
      for (const name of ['cert', 'key', 'ca']) writeFileSync(join(dir, name), `${name} pem`);
      const env = {
        REDIS_TLS_CERT: join(dir, 'cert'),
        REDIS_TLS_KEY: join(dir, 'key'),
        REDIS_TLS_CA: join(dir, 'ca'),
      };
      const single = resolveOptions({}, { ...env, REDIS_URL: 'rediss://r:6380' }).redis;
      expect(connectionOptions(single.connection).tls).toEqual({
        cert: Buffer.from('cert pem'),
        key: Buffer.from('key pem'),
        ca: Buffer.from('ca pem'),
      });
      const target = resolveOptions({}, { ...env, REDIS_CLUSTER_NODES: 'a:7000,b:7001' }).redis;
      const cluster = connectRedis(target) as Cluster;
      try {
        expect(cluster.options.redisOptions?.tls).toMatchObject({ ca: Buffer.from('ca pem') });
      } finally {
        cluster.disconnect();
      }
      expect(() => resolveOptions({}, { ...env, REDIS_URL: 'redis://r:6379' })).toThrow(invalid);
      expect(() => resolveOptions({}, { REDIS_TLS_CERT: env.REDIS_TLS_CERT })).toThrow(invalid);
      const missing = resolveOptions(
        {},
        { REDIS_TLS_CA: join(dir, 'nope'), REDIS_URL: 'rediss://r:1' },
      );
      expect(() => connectionOptions(missing.redis.connection)).toThrow(invalid);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never repeats a password in an INVALID_CONFIG message', () => {
    for (const [env, shown] of [
      [{ REDIS_URL: 'http://app:hunter2-secret@r:6379' }, 'http://app:***@r:6379'],
      [{ REDIS_URL: 'reddis://:hunter2-secret@r:6379/0' }, 'reddis://:***@r:6379/0'],
      [{ REDIS_CLUSTER_NODES: 'redis://app:hunter2-secret@a' }, 'redis://app:***@a'],
    ] as const) {
      let message = '';
      try {
        resolveOptions({}, env);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(shown);
      expect(message).not.toContain('hunter2');
    }
  });

  it('redacts the password of a URL fit for printing', () => {
    expect(redactUrl('redis://app:secret@h:6379/0')).toBe('redis://app:***@h:6379/0');
    expect(redactUrl('rediss://:secret@h:6379')).toBe('rediss://:***@h:6379');
    expect(redactUrl('redis://secret@h')).toBe('redis://***@h');
    expect(redactUrl('redis:app:secret@h')).toBe('redis:***@h');
    expect(redactUrl('redis://h:6379')).toBe('redis://h:6379');
    expect(redactUrl('h:6379')).toBe('h:6379');
    expect(redactUrl('redis://a:b@c@h/x@y')).toBe('redis://a:***@h/x@y');
  });
});
