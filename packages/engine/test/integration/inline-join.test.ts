import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { counters, registerTestFlows } from '../fixtures/flows.mjs';
import { scriptSource } from '../../src/store/scripts/scripts.js';
import { newService, prefixFor, spawnWorker } from './helpers.js';

// On one Redis only (MONITOR sees one server): the cluster project does not run this file.

/** The SHA1 EVALSHA names a script by. */
const shaOf = (name: Parameters<typeof scriptSource>[0]): string =>
  createHash('sha1').update(scriptSource(name)).digest('hex');

it('begins the join in the completion that releases it: no begin script call for a diamond', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const service = newService({ prefix });
  registerTestFlows(service, count);
  await spawnWorker(prefix);
  const begins = new Set([shaOf('beginNode'), shaOf('beginNodes')]);
  const completions = new Set([shaOf('completeNode'), shaOf('completeNodes')]);
  const calls = { begins: 0, completions: 0 };
  // One diamond first: the worker opens its subscriber connection with its first request, and a step
  // handed its input begins without the guard only once its request is listened to.
  await service.waitForResult('diamond', await service.execute('diamond', 0));
  const monitor = await new Redis(inject('redisUrl')).monitor();
  try {
    monitor.on('monitor', (_time: string, args: string[]) => {
      const command = args[0]?.toLowerCase();
      if (!args.some((arg) => arg.startsWith(`${prefix}:`))) return;
      // ioredis sends EVALSHA, and EVAL with the text when Redis does not know the script yet.
      const sha =
        command === 'evalsha'
          ? args[1]
          : command === 'eval'
            ? createHash('sha1')
                .update(args[1] ?? '')
                .digest('hex')
            : undefined;
      if (begins.has(sha ?? '')) calls.begins++;
      if (completions.has(sha ?? '')) calls.completions++;
    });
    for (let i = 0; i < 5; i++) {
      const id = await service.execute('diamond', i);
      expect(await service.waitForResult('diamond', id)).toEqual({
        joined: { B: 2 * i + 2, C: 3 * i + 3 },
      });
      const { D } = (await service.state('diamond', id)).nodes;
      expect(D).toMatchObject({ status: 'completed', attempts: 1 });
    }
    await new Promise((resolve) => setTimeout(resolve, 200)); // MONITOR lines trail the replies
    // A, B and C begin handed their input; D begins with B's or C's completion. C's job begins without
    // the guard once the worker hears its request (its subscription, sent with A's job, is live):
    // when C's job starts first, C takes the guard (one begin call), by design.
    expect(calls.begins).toBeLessThanOrEqual(2);
    expect(calls.completions).toBeGreaterThanOrEqual(5 * 3);
  } finally {
    monitor.disconnect();
    await count.close();
  }
});
