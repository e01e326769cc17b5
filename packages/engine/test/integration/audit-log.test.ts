import { AUDIT_LOG_LENGTH, FlowService } from '@dagflow/engine';
import { testPrefix } from '@dagflow/test-utils';
import { afterEach, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => service?.close());

it('keeps the newest entries of the audit log, newest first, and no more than its cap', async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'audit'),
    logLevel: 'warn',
  });
  const total = AUDIT_LOG_LENGTH + 5;
  for (let i = 0; i < total; i++) {
    await service.auditLog.record({
      at: i,
      who: { role: 'admin', token: 'admin#00000000' },
      action: 'register',
      flow: `flow-${i}`,
      forced: false,
    });
  }
  const all = await service.auditLog.list(AUDIT_LOG_LENGTH + 100);
  expect(all).toHaveLength(AUDIT_LOG_LENGTH);
  expect(all[0]).toMatchObject({ at: total - 1, flow: `flow-${total - 1}` });
  expect(all.at(-1)).toMatchObject({ at: 5 });
  expect((await service.auditLog.list(3)).map((entry) => entry.at)).toEqual([
    total - 1,
    total - 2,
    total - 3,
  ]);
});

it('records whether code or a definition made a flow, in the registry for other processes', async () => {
  const prefix = testPrefix(import.meta.url, 'origin');
  service = new FlowService({ redisUrl: inject('redisUrl'), prefix, logLevel: 'warn' });
  service.register('coded', (dag) => dag.node('a', () => 1));
  service.registerDefinition({
    name: 'declared',
    nodes: [{ id: 'b', op: 'flow', with: { flow: 'coded' } }],
  });
  await service.startWorker();
  const other = new FlowService({ redisUrl: inject('redisUrl'), prefix, logLevel: 'warn' });
  try {
    expect(await other.flowOrigin('coded')).toBe('code');
    expect(await other.flowOrigin('declared')).toBe('definition');
    expect(await other.flowOrigin('missing')).toBeUndefined();
  } finally {
    await other.close();
  }
});
