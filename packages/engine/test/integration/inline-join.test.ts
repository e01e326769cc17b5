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

it('begins the join in the completion that releases it: no begin script call for the join of a diamond', async () => {
  const prefix = prefixFor();
  const count = counters(inject('redisUrl'), prefix);
  const service = newService({ prefix });
  registerTestFlows(service, count);
  await spawnWorker(prefix);
  const begins = new Set([shaOf('beginNode'), shaOf('beginNodes')]);
  const completions = new Set([shaOf('completeNode'), shaOf('completeNodes')]);
  const calls = { begins: 0, completions: 0 };
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
    // A (a root) and B (run next in A's job, released by A's completion) begin handed their input,
    // D begins with B's or C's completion. C's own job begins through the guard (one begin call a
    // diamond) unless the worker already listens to its request (only once a job of it ran 20 ms).
    expect(calls.begins).toBeLessThanOrEqual(5);
    expect(calls.completions).toBeGreaterThanOrEqual(5 * 3);
  } finally {
    monitor.disconnect();
    await count.close();
  }
});
