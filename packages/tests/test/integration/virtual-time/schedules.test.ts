import type { Dag } from '@dagflow/engine';
import { expect, it } from 'vitest';
import { kitEnv } from './kit-env.js';

it('runs each tick once under an id no caller can create first (X-Request-Id, execute requestId)', async () => {
  const env = await kitEnv({ service: { minScheduleIntervalMs: 100 } });
  const ran: string[] = [];
  env.service.register('ticker', (dag: Dag) =>
    dag.node('tick', (input: unknown, ctx) => {
      ran.push(ctx.requestId);
      return input;
    }),
  );
  const info = await env.service.schedule('ticker', { id: 'tick', everyMs: 500, input: { n: 1 } });
  const next = info.next ?? Date.now();
  // The ids of the next ticks as a caller would compute them: in the form ticks had before T3-2
  // (`s.<schedule>.<ms>`), which a caller may still use, and would once have been adopted by the tick
  // (which then ran nothing of its own); and in today's form (`s~...`), which no caller may use.
  const times = Array.from({ length: 6 }, (_, k) => next + (k + 1) * 500);
  for (const ms of times) {
    await env.service.execute('ticker', { forged: ms }, { requestId: `s.tick.${ms}` });
    await expect(
      env.service.execute('ticker', { forged: ms }, { requestId: `s~tick.${ms}` }),
    ).rejects.toMatchObject({ code: 'INVALID_REQUEST_ID' });
  }
  await env.advance(3_100);
  await env.service.unschedule('ticker', 'tick');
  await env.runUntilIdle();
  const { requests } = await env.service.listRequests('ticker', { limit: 100 });
  const ids = requests.map((r) => r.requestId);
  const tickIds = ids.filter((id) => id.startsWith('s~tick.'));
  expect(tickIds.length).toBeGreaterThanOrEqual(4);
  // The ticks fell on the forged times (the first tick may come before them): each ran its own input.
  const onForged = tickIds.filter((id) => times.includes(Number(id.slice('s~tick.'.length))));
  expect(onForged.length).toBeGreaterThanOrEqual(4);
  for (const id of tickIds) expect((await env.outcome('ticker', id)).result).toEqual({ n: 1 });
  for (const ms of times)
    expect((await env.outcome('ticker', `s.tick.${ms}`)).result).toEqual({ forged: ms });
  for (const id of tickIds) expect(ran.filter((r) => r === id)).toEqual([id]);
  expect(ran.length).toBe(tickIds.length + times.length);
});
