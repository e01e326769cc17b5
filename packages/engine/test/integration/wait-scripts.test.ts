import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { defineScripts, runScript } from '../../src/store/scripts/scripts.js';
import { createRequestsArgs } from '../../src/store/scripts/new-request-args.js';
import { completeNodeArgs, ownArgs, specArgs } from '../../src/store/scripts/completion-args.js';
import { failNodeArgs } from '../../src/store/scripts/fail-args.js';
import { prefixFor } from './helpers.js';

// The races of a parked signal node at the script level: parkStep, deliverSignal, and the attempts of
// its wake jobs (tokens '<generation>.<delivery>w' and '...t') through beginNode, completeNode, failNode.

let redis: Redis;
beforeAll(() => {
  redis = new Redis(inject('redisUrl'));
  defineScripts(redis);
});
afterAll(async () => {
  await redis.quit();
});

const NODE = 'approve';
const SIGNAL_FIELD = `sg|${NODE}`;

/** A running request of one signal node (a terminal), with helpers for the scripts it goes through. */
async function request(name: string) {
  const keys = new Keys(prefixFor()).request('approval', name);
  const all = [keys.state, keys.data, keys.store, keys.held, keys.stream];
  await runScript(
    redis,
    'createRequests',
    [keys.state, keys.data],
    createRequestsArgs(1_000, 'test-events', [{ input: '1', version: 'v1', message: 'f/r' }]),
  );
  return {
    keys,
    begin: (owner: string) =>
      runScript(redis, 'beginNode', all.slice(0, 3), [NODE, 2_000, owner, SIGNAL_FIELD]),
    park: (owner: string) =>
      runScript(redis, 'parkStep', [keys.state, keys.data], [NODE, owner, SIGNAL_FIELD]),
    signal: (payload: string) =>
      runScript(redis, 'deliverSignal', [keys.state, keys.data], [NODE, payload]),
    complete: (owner: string, output: string) =>
      runScript(
        redis,
        'completeNode',
        all,
        completeNodeArgs(3_000, {
          shared: specArgs({ terminals: 1, retention: 60_000, channel: 'ch', message: 'm' }),
          own: ownArgs({ path: NODE, output, owner }),
        }),
      ),
    failTimeout: (owner: string) =>
      runScript(
        redis,
        'failNode',
        all,
        failNodeArgs({
          path: NODE,
          now: 3_000,
          error: JSON.stringify({
            node: NODE,
            attempts: 1,
            message: 'no signal',
            code: 'SIGNAL_TIMEOUT',
          }),
          final: true,
          retention: 60_000,
          channel: 'ch',
          message: 'm',
          owner,
        }),
      ),
    /** The request's status, the node's, and its owner (a completed node's from its record d|). */
    status: async () => {
      const [request, node, owner, record] = await redis.hmget(
        keys.state,
        'status',
        `s|${NODE}`,
        `w|${NODE}`,
        `d|${NODE}`,
      );
      return [request, node, owner ?? record?.split(',').slice(2).join(',') ?? null];
    },
  };
}

describe('signal node scripts', () => {
  it('park only for the owner; a signal wakes a parked node once, and its wake job completes it', async () => {
    const r = await request('parked');
    expect(await r.begin('0.1')).toEqual([0, 1, null, null]);
    expect(await r.park('0.2')).toEqual([3, '0.1']);
    expect(await r.park('0.1')).toEqual([0]);
    expect(await r.status()).toEqual(['running', 'waiting', '0.1']);
    expect(await r.signal('"yes"')).toEqual([0, 1, 0, 0]);
    expect(await r.signal('"again"')).toEqual([5]);
    // The wake job goes on with the parked attempt: still attempt 1.
    expect(await r.begin('0.1w')).toEqual([0, 1, null, '"yes"']);
    expect(await r.complete('0.1w', '"yes"')).toEqual([0, [], 1, '', '', 0, '']);
    expect(await r.status()).toEqual(['completed', 'completed', '0.1w']);
    expect(await r.signal('"late"')).toEqual([5]);
  });

  it('answers a signal stored before the node parked instead of parking', async () => {
    const r = await request('early');
    expect(await r.signal('"early"')).toEqual([0, 0, 0, 0]);
    expect(await r.begin('0.1')).toEqual([0, 1, null, '"early"']);
    // Stored between the attempt's begin and its park: the park answers it.
    const s = await request('between');
    expect(await s.begin('0.1')).toEqual([0, 1, null, null]);
    expect(await s.signal('"between"')).toEqual([0, 0, 0, 0]);
    expect(await s.park('0.1')).toEqual([4, '"between"']);
    expect(await s.status()).toEqual(['running', 'running', '0.1']);
  });

  it('lets one of a signal and the timeout win: the attempt that began last', async () => {
    // The timeout began first, the signal's wake job after it: the timeout's failure is stale.
    const a = await request('wake-last');
    await a.begin('0.1');
    await a.park('0.1');
    await a.signal('"yes"');
    expect(await a.begin('0.1t')).toEqual([0, 1, null, '"yes"']);
    expect(await a.begin('0.1w')).toEqual([0, 1, null, '"yes"']);
    expect(await a.failTimeout('0.1t')).toEqual([3, '0.1w']);
    expect(await a.complete('0.1w', '"yes"')).toEqual([0, [], 1, '', '', 0, '']);
    expect(await a.status()).toEqual(['completed', 'completed', '0.1w']);

    // The timeout's attempt began while the node still waited and no signal was there: it fails the
    // node; a signal after that is stored, wakes nothing, and the request stays failed.
    const b = await request('timeout-first');
    await b.begin('0.1');
    await b.park('0.1');
    expect(await b.begin('0.1t')).toEqual([0, 1, null, null]);
    expect(await b.signal('"late"')).toEqual([0, 0, 0, 0]);
    expect(await b.failTimeout('0.1t')).toEqual([0]);
    expect(await b.status()).toEqual(['failed', 'failed', '0.1t']);
    expect(await redis.hget(b.keys.data, SIGNAL_FIELD)).toBe('"late"');
  });
});
