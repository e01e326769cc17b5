import type { Dag } from '@dagflow/engine';
import { expect, it } from 'vitest';
import { kitEnv } from './kit-env.js';

it('runs 10 calls within the window once, with the last input, and answers every call its id', async () => {
  const env = await kitEnv();
  const ran: unknown[] = [];
  env.service.register('debounced', (dag: Dag) =>
    dag.node('run', (input: unknown) => {
      ran.push(input);
      return input;
    }),
  );
  const debounce = { key: 'customer-7', ms: 800_000 };
  const ids: string[] = [];
  for (let n = 0; n < 10; n++) {
    ids.push(await env.service.execute('debounced', { n }, { debounce }));
    await env.advance(100_000); // 10 calls over 1,000 s: longer than one window, so the window must slide
  }
  expect(new Set(ids).size).toBe(1);
  const [id = ''] = ids;
  const waiting = await env.service.state('debounced', id);
  expect(waiting.status).toBe('pending');
  expect(waiting.debounceUntil).toBe(env.now() - 100_000 + 800_000); // from the last call
  expect(ran).toEqual([]);
  await env.advance(699_999);
  expect((await env.service.state('debounced', id)).status).toBe('pending');
  await env.advance(1);
  expect((await env.outcome('debounced', id)).result).toEqual({ n: 9 });
  await env.advance(500_000);
  expect(ran).toEqual([{ n: 9 }]);
  // After the window: a new request; another key: its own request.
  const later = await env.service.execute('debounced', { n: 10 }, { debounce });
  const other = await env.service.execute(
    'debounced',
    { n: 11 },
    { debounce: { key: 'x', ms: 300_000 } },
  );
  expect(later).not.toBe(id);
  expect(other).not.toBe(later);
  await env.advance(800_000);
  expect((await env.outcome('debounced', later)).result).toEqual({ n: 10 });
  expect((await env.outcome('debounced', other)).result).toEqual({ n: 11 });
  expect(ran).toHaveLength(3);
});
