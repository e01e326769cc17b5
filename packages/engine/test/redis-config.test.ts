import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/config.js';
import { ErrorCode } from '../src/index.js';

const invalid = expect.objectContaining({ code: ErrorCode.INVALID_CONFIG });

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

  it('switches to the cluster in REDIS_CLUSTER_NODES, over any Redis URL', () => {
    const { redis } = resolveOptions(
      { redisUrl: 'redis://single:6379' },
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
