import { AUDIT_PAGE_LIMIT, type AuditEntry, FlowService, type PinoLike } from '@dagflow/engine';
import { testPrefix } from '@dagflow/test-utils';
import { afterEach, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => service?.close());

it('keeps a forced change through thousands of later entries, newest first, paged by id', async () => {
  const lines: unknown[] = [];
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'audit'),
    logger: pinoLike((fields, message) => message === 'audit' && lines.push(fields)),
  });
  const entry = (i: number, forced = false) => ({
    at: i,
    who: { role: 'admin', token: 'ops' },
    action: 'replace-step',
    flow: 'coded',
    target: { node: `step-${i}` },
    outcome: 'ok',
    forced,
  });
  await service.auditLog.record(entry(0, true));
  const later = 2_500;
  for (let i = 1; i <= later; i += 250) {
    await Promise.all(
      Array.from({ length: 250 }, (_, j) => service!.auditLog.record(entry(i + j))),
    );
  }
  const newest = await service.auditLog.list(3);
  expect(newest.map((each) => each.at)).toEqual([later, later - 1, later - 2]);
  expect(newest[0]?.id).toMatch(/^\d+-\d+$/);
  // Page back with `before` until the first entry: the forced change is still there.
  const seen: AuditEntry[] = [];
  let before: string | undefined;
  for (;;) {
    const page = await service.auditLog.list(AUDIT_PAGE_LIMIT, before);
    if (page.length === 0) break;
    seen.push(...page);
    before = page.at(-1)?.id;
  }
  expect(seen).toHaveLength(later + 1);
  expect(seen.at(-1)).toMatchObject({ at: 0, forced: true, who: { token: 'ops' } });
  expect(lines).toHaveLength(later + 1);
  expect(lines[0]).toMatchObject({ action: 'replace-step', flow: 'coded', outcome: 'ok' });
});

it('trims the stream to about DAGFLOW_AUDIT_MAX_ENTRIES', async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'trim'),
    logLevel: 'warn',
    auditMaxEntries: 100,
  });
  for (let i = 0; i < 1_000; i += 100) {
    await Promise.all(
      Array.from({ length: 100 }, (_, j) =>
        service!.auditLog.record({
          at: i + j,
          who: { role: 'admin', token: 'ops' },
          action: 'register',
          flow: 'f',
          outcome: 'ok',
          forced: false,
        }),
      ),
    );
  }
  const kept = await service.auditLog.list(AUDIT_PAGE_LIMIT);
  expect(kept.length).toBeGreaterThanOrEqual(100);
  expect(kept.length).toBeLessThan(400);
  expect(kept[0]?.at).toBe(999);
});

/** A pino-like logger that hands each info line to `sink`. */
function pinoLike(sink: (fields: object, message: string) => unknown): PinoLike {
  const none = () => undefined;
  const logger: PinoLike = {
    debug: none,
    info: (fields, message) => void sink(fields, message),
    warn: none,
    error: none,
    child: () => logger,
  };
  return logger;
}

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
