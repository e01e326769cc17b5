import { Writable } from 'node:stream';
import { FlowClient } from '@dagflow/engine';
import { pino } from 'pino';
import { afterEach, expect, inject, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const clients: FlowClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** The user's own pino logger (its base fields and level), writing its JSON lines into `lines`. */
function userPino(lines: Record<string, unknown>[]): pino.Logger {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().trim().split('\n'))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: 'info', base: { app: 'mine' } }, sink);
}

it("logs through the user's pino instance, with flow, request id and node path on a node's lines", async () => {
  const lines: Record<string, unknown>[] = [];
  const prefix = prefixFor();
  // logLevel 'error' would drop info lines: with a logger of their own, the user's level applies.
  const service = newService({ prefix, logger: userPino(lines), logLevel: 'error' });
  let calls = 0;
  service.register('logged', (dag) =>
    dag.node(
      'speak',
      (input: string, ctx) => {
        ctx.log.debug('below the level of the user logger');
        ctx.log.info('hello from a node', { input });
        calls += 1;
        if (calls === 1) throw new Error('once');
        return input;
      },
      { retries: 1, backoff: { type: 'fixed', delayMs: 10 } },
    ),
  );
  await service.startWorker();
  const id = await service.execute('logged', 'hi', { requestId: 'log-1' });
  expect(await service.waitForResult('logged', id)).toBe('hi');

  const spoken = lines.filter((line) => line['msg'] === 'hello from a node');
  expect(spoken.map((line) => line['attempt'])).toEqual([1, 2]);
  expect(spoken[0]).toMatchObject({
    level: 30,
    app: 'mine',
    prefix,
    flow: 'logged',
    requestId: 'log-1',
    node: 'speak',
    input: 'hi',
  });
  // The service's own lines go the same way: the failed attempt, as a warning with its node.
  expect(lines.find((line) => line['msg'] === 'node attempt failed')).toMatchObject({
    level: 40,
    app: 'mine',
    flow: 'logged',
    requestId: 'log-1',
    node: 'speak',
    attempt: 1,
  });
  expect(lines.some((line) => line['msg'] === 'below the level of the user logger')).toBe(false);
});

it("gives a FlowClient's lines to the user's pino too", () => {
  const lines: Record<string, unknown>[] = [];
  const client = new FlowClient({
    redisUrl: inject('redisUrl'),
    prefix: 'user-logger-client',
    logger: userPino(lines),
  });
  clients.push(client);
  client.log.child({ extra: 1 }).warn('from the client');
  expect(lines).toMatchObject([
    { level: 40, app: 'mine', prefix: 'user-logger-client', extra: 1, msg: 'from the client' },
  ]);
});
