import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { attemptsOf, beginsImplied } from '../../src/format/implied-begin.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { prefixFor } from './helpers.js';

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

describe('implied begin', () => {
  const fences = { root: false, released: false, listened: false };
  const step = { handed: true, firstDelivery: true, ownsFirst: false, held: false, fences };

  it('lets a handed step begin without beginNode only on its first delivery and behind a fence', () => {
    expect(beginsImplied(step)).toBe(false);
    for (const fence of ['root', 'released', 'listened'] as const)
      expect(beginsImplied({ ...step, fences: { ...fences, [fence]: true } })).toBe(true);
    const root = { ...step, fences: { ...fences, root: true } };
    expect(beginsImplied({ ...root, handed: false })).toBe(false);
    expect(beginsImplied({ ...root, firstDelivery: false })).toBe(false);
    expect(beginsImplied({ ...root, ownsFirst: true })).toBe(false);
    expect(beginsImplied({ ...root, held: true })).toBe(false);
  });

  it('counts a completed step without an attempt count as run once', () => {
    expect(attemptsOf({ 's|A': 'completed' }, 'A')).toBe(1);
    expect(attemptsOf({ 's|A': 'queued' }, 'A')).toBe(0);
    expect(attemptsOf({ 's|A': 'completed', 'a|A': '3' }, 'A')).toBe(3);
  });

  it("back-fills a failed implied begin's start and attempt, so that its retry is attempt 2", async () => {
    const keys = new Keys(prefixFor()).request('implied', 'r1');
    const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
    await redis.hset(keys.state, 'status', 'pending', 's|A', 'queued');
    const failed = await runScript(redis, 'failNode', all, [
      'A',
      2_000,
      '{"message":"x"}',
      '0',
      60_000,
      'ch',
      'm',
      '0.1',
      1_500,
    ]);
    expect(failed).toEqual([0]);
    expect(
      await redis.hmget(keys.state, 's|A', 't0|A', 'a|A', 'w|A', 'status', 'startedAt'),
    ).toEqual(['retrying', '1500', '1', '0.1', 'running', '2000']);
    const retry = (await runScript(
      redis,
      'beginNode',
      [keys.state, keys.data, keys.held],
      ['A', 3_000, '0.2'],
    )) as unknown[];
    expect(retry.slice(0, 2)).toEqual([0, 2]);
  });

  it('marks a long implied begin running (markRunning) with its start, attempt and owner', async () => {
    const keys = new Keys(prefixFor()).request('implied', 'r2');
    await redis.hset(keys.state, 'status', 'pending', 's|A', 'queued');
    expect(await runScript(redis, 'markRunning', [keys.state], ['A', 1_500, '0.1'])).toBe(1);
    expect(
      await redis.hmget(keys.state, 's|A', 't0|A', 'a|A', 'w|A', 'status', 'startedAt'),
    ).toEqual(['running', '1500', '1', '0.1', 'running', '1500']);
    // Another attempt owns it now: the mark of the first writes nothing.
    await redis.hset(keys.state, 'w|A', '0.2');
    expect(await runScript(redis, 'markRunning', [keys.state], ['A', 1_600, '0.1'])).toBe(0);
    expect(await redis.hget(keys.state, 't0|A')).toBe('1500');
  });
});
