import { ErrorCode } from '@dagflow/engine';
import { waitFor } from '@dagflow/test-utils';
import { describe, expect, it } from 'vitest';
import { newService, prefixFor } from './helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('run-time changes', () => {
  it('replaces a step while 20 requests are in flight: they finish on the old version, new ones use the new step', async () => {
    const service = newService({ prefix: prefixFor(), workerConcurrency: 5 });
    service.register('pricing', (dag) => {
      dag.node('load', async (n: number) => {
        await sleep(50);
        return n;
      });
      dag.node('price', (n: number) => ({ n, rule: 'old' }));
      dag.node('done', (value: unknown) => value);
      dag.edge('load', 'price').edge('price', 'done');
    });
    await service.startWorker();
    const before = (await service.flows())[0]?.version;
    const inFlight = await Promise.all(
      Array.from({ length: 20 }, (_, i) => service.execute('pricing', i)),
    );
    await waitFor(
      async () =>
        (await service.state('pricing', inFlight[0] ?? '')).nodes['load']?.status !== 'queued',
    );
    const changed = service.replaceStep('pricing', 'price', {
      handler: (n: number) => ({ n, rule: 'new' }),
    });
    expect(changed.version).not.toBe(before);
    const later = await Promise.all(
      Array.from({ length: 5 }, (_, i) => service.execute('pricing', 100 + i)),
    );

    const oldResults = (await Promise.all(
      inFlight.map((id) => service.waitForResult('pricing', id)),
    )) as { rule: string }[];
    const newResults = (await Promise.all(
      later.map((id) => service.waitForResult('pricing', id)),
    )) as { rule: string }[];
    expect(oldResults.map((r) => r.rule)).toEqual(Array.from({ length: 20 }, () => 'old'));
    expect(newResults.map((r) => r.rule)).toEqual(Array.from({ length: 5 }, () => 'new'));
    expect((await service.flows())[0]?.version).toBe(changed.version);
  });

  it('adds and removes steps, validating each change like a registration', async () => {
    const service = newService({ prefix: prefixFor() });
    service.operation('exclaim', (input) => `${String(input)}!`);
    service.register('text', (dag) => {
      dag.node('trim', (s: string) => s.trim());
      dag.node('upper', (s: string) => s.toUpperCase());
      dag.edge('trim', 'upper');
    });
    await service.startWorker();
    service.addStep('text', { id: 'bang', op: 'exclaim', after: ['upper'] });
    const added = await service.execute('text', '  hi ');
    expect(await service.waitForResult('text', added)).toBe('HI!');
    service.removeStep('text', 'upper');
    const removed = await service.execute('text', '  hi ');
    expect(await service.waitForResult('text', removed)).toBe('hi!');
    expect(() =>
      service.addStep('text', { id: 'loop', op: 'exclaim', after: ['bang'], before: ['trim'] }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.DAG_CYCLE }) as Error);
    expect(() => service.addStep('text', { id: 'x', op: 'nope' })).toThrow(
      expect.objectContaining({ code: ErrorCode.UNKNOWN_OPERATION }) as Error,
    );
    expect(() => service.removeStep('text', 'ghost')).toThrow(
      expect.objectContaining({ code: ErrorCode.DAG_UNKNOWN_NODE }) as Error,
    );
    // The state of a request shows the shape of the version it ran on.
    expect(Object.keys((await service.state('text', added)).nodes)).toEqual([
      'trim',
      'upper',
      'bang',
    ]);
    expect(Object.keys((await service.state('text', removed)).nodes)).toEqual(['trim', 'bang']);
  });
});
