import { FlowService } from '@dagflow/engine';
import { expect, it } from 'vitest';
import { describeAsText } from '../src/describe-text.js';

it('shows what signal, sleep and child-flow nodes wait for, and a node delay', async () => {
  // Registering and describing a flow does no I/O: no Redis is needed here.
  const service = new FlowService({ logLevel: 'error' });
  service.register('expense', (dag) =>
    dag
      .signal('approve', { timeoutMs: 500 })
      .sleep('nap', 200)
      .flow('pay', 'payments')
      .node('notify', () => null, { delayMs: 50 })
      .edge('approve', 'nap')
      .edge('nap', 'pay')
      .edge('pay', 'notify'),
  );
  expect(describeAsText(await service.describe('expense'))).toEqual([
    'approve (signal, timeout 500 ms) -> nap',
    'nap (sleep 200 ms) -> pay',
    'pay (child flow payments) -> notify',
    'notify (delay 50 ms)',
  ]);
  await service.close();
});
