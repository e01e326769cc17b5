import { Redis } from 'ioredis';
import { expect, inject, it } from 'vitest';
import { Keys } from '../../src/format/keys.js';
import { StepField, stepField } from '../../src/format/layout.js';
import { newService, prefixFor } from './helpers.js';

it('answers the stored output of a one-terminal flow as the JSON text, without decoding it', async () => {
  const prefix = prefixFor();
  const service = newService({ prefix });
  service.register('echo', (dag) => dag.node('only', (input: unknown) => input));
  await service.startWorker();
  const id = await service.execute('echo', { a: 1 });
  expect(await service.waitForResultText('echo', id)).toEqual({ json: '{"a":1}' });
  // A text encode() never writes (spaces): answered as stored, so it was not decoded and encoded again.
  const redis = new Redis(inject('redisUrl'));
  try {
    await redis.hset(
      new Keys(prefix).request('echo', id).data,
      stepField(StepField.output, 'only'),
      '{ "a" : 1 }',
    );
    expect(await service.waitForResultText('echo', id)).toEqual({ json: '{ "a" : 1 }' });
    expect(await service.waitForResult('echo', id)).toEqual({ a: 1 });
  } finally {
    redis.disconnect();
  }
});

it('answers what JSON.stringify writes of every kind of result, and the bytes of a binary one', async () => {
  const prefix = prefixFor();
  const service = newService({ prefix });
  service.register('echo', (dag) => dag.node('only', (input: unknown) => input));
  service.register('nested', (dag) =>
    dag.node('only', (input: string) => ({ name: input, bytes: Buffer.from(input) })),
  );
  service.register('two', (dag) => {
    dag.node('b', (input: number) => input);
    dag.node('a', (input: number) => `${input}`);
  });
  await service.startWorker();
  const text = async (flow: string, input: unknown) =>
    service.waitForResultText(flow, await service.execute(flow, input));
  const values: unknown[] = [
    'hallo',
    'nul \u0000 and "quotes"',
    42,
    null,
    [1, { '2': 'x', b: [] }],
  ];
  for (const value of values)
    expect(await text('echo', value)).toEqual({ json: JSON.stringify(value) });
  const tagShaped = { '\u0000bytes': 'not bytes' };
  expect(await text('echo', tagShaped)).toEqual({ json: JSON.stringify(tagShaped) });
  expect(await text('echo', Buffer.from([0, 1, 255]))).toEqual({ bytes: Buffer.from([0, 1, 255]) });
  expect(await text('nested', 'hi')).toEqual({
    json: JSON.stringify({ name: 'hi', bytes: Buffer.from('hi') }),
  });
  const two = await text('two', 7);
  expect('json' in two && JSON.parse(two.json)).toEqual({ a: '7', b: 7 });
});
