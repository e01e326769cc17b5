import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '@dagflow/test-utils';
import { expect, inject, it } from 'vitest';
import { traceToFile } from '../fixtures/tracing.mjs';
import { newService, prefixFor, spawnFixture } from './helpers.js';

interface ExportedSpan {
  pid: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  attributes: Record<string, unknown>;
  status: { code: number; message?: string };
  events: { name: string; attributes?: Record<string, unknown> }[];
}

it('exports one trace for a request crossing two worker processes, with the failed attempt recorded', async () => {
  const prefix = prefixFor();
  const file = join(tmpdir(), `${prefix}-spans.jsonl`);
  traceToFile(file);
  const [owner, b] = await Promise.all([
    spawnFixture('traced-owner.mjs', prefix, { SPANS_FILE: file }),
    spawnFixture('traced-b.mjs', prefix, { SPANS_FILE: file }),
  ]);
  const client = newService({ prefix });
  await waitFor(async () => ((await client.flows())[0]?.workers['q2'] ?? 0) > 0, {
    timeoutMs: 15_000,
  });
  const id = await client.execute('traced', 1);
  expect(await client.waitForResult('traced', id)).toBe(40);

  const spans = (): ExportedSpan[] =>
    existsSync(file)
      ? readFileSync(file, 'utf8')
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as ExportedSpan)
          .filter((span) => span.attributes['dagflow.request_id'] === id)
      : [];
  const process = (node: string) =>
    spans().filter(
      (span) => span.name.startsWith('process') && span.attributes['dagflow.node'] === node,
    );
  await waitFor(() => process('c').length === 1, { timeoutMs: 5_000 });

  const all = spans();
  expect(new Set(all.map((span) => span.traceId)).size).toBe(1);
  const root = all.find((span) => span.name === `send {traced}` && span.parentSpanId === undefined);
  const redis = new URL(inject('redisUrl'));
  const server = { 'server.address': redis.hostname, 'server.port': Number(redis.port) };
  expect(root).toMatchObject({
    attributes: {
      'messaging.system': 'bullmq',
      'messaging.operation.type': 'send',
      'messaging.operation.name': 'send',
      'messaging.destination.name': '{traced}',
      'messaging.message.id': `${id}|a`,
      ...server,
      'dagflow.flow': 'traced',
    },
  });
  const byId = new Map(all.map((span) => [span.spanId, span]));
  const parentProcessOf = (span: ExportedSpan) =>
    byId.get(byId.get(span.parentSpanId ?? '')?.parentSpanId ?? '');

  const [a] = process('a');
  const bAttempts = process('b');
  const [c] = process('c');
  expect(a?.pid).toBe(owner.pid);
  expect(bAttempts.map((span) => span.pid)).toEqual([b.pid, b.pid]);
  expect(c?.pid).toBe(owner.pid);
  // a is enqueued by the request's send span; b by a's send span; c by b's.
  expect(byId.get(a?.parentSpanId ?? '')).toBe(root);
  for (const attempt of bAttempts) expect(parentProcessOf(attempt)).toEqual(a);
  const succeeded = bAttempts.find((span) => span.status.code !== 2);
  expect(parentProcessOf(c as ExportedSpan)).toEqual(succeeded);
  const failed = bAttempts.find((span) => span.status.code === 2);
  expect(failed?.status.message).toBe('b failed once');
  for (const attempt of bAttempts) {
    expect(attempt.attributes).toMatchObject({
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.message.id': `${id}|b`,
      ...server,
    });
  }
  expect(failed?.attributes['error.type']).toBe('Error');
  expect(succeeded?.attributes['error.type']).toBeUndefined();
  // b's send span (in a's process) names the one job it sends, on b's queue.
  expect(byId.get(bAttempts[0]?.parentSpanId ?? '')?.attributes).toMatchObject({
    'messaging.operation.name': 'send',
    'messaging.message.id': `${id}|b`,
    ...server,
  });
  expect(failed?.events[0]).toMatchObject({
    name: 'exception',
    attributes: { 'exception.message': 'b failed once' },
  });
});
