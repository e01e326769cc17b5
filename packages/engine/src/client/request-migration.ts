import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { PlanSource } from '../registry/plan-source.js';
import { isRefusal, planMigration } from '../plan/migration-plan.js';
import type { ServiceResources } from '../resources/service-resources.js';
import { readStateFields, writeMigration } from '../store/migration-writes.js';
import { RequestField } from '../format/layout.js';
import { jobId } from '../format/job-layout.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { BulkMigrationResult, MigrationResult } from '../types/version-types.js';
import { requestsByVersion } from '../registry/version-cap.js';
import { enqueueReleased } from './request-control.js';

/** What a migration needs of its client. */
export interface MigrationDeps {
  readonly res: ServiceResources;
  readonly plans: PlanSource;
}

/** Times a migration reads the state again when it changed between the read and the write. */
const TRIES = 5;

/** Statuses a request may be migrated in. */
const MIGRATABLE: ReadonlySet<string> = new Set(['running', 'paused', 'failed', 'stopped']);

/** See `FlowClient.migrate`. */
export async function migrateRequest(
  deps: MigrationDeps,
  flow: string,
  requestId: string,
): Promise<MigrationResult> {
  const { res, plans } = deps;
  const target = { flow, requestId };
  const to = (await res.registry.currentVersion(flow)) ?? (await plans.get(flow)).version;
  for (let tried = 0; tried < TRIES; tried++) {
    const read = await readStateFields(res.redis, res.keys, target);
    const status = read[RequestField.status];
    if (status === undefined) throw notFound(flow, requestId);
    const from = read[RequestField.version] ?? to;
    const at = Date.now();
    if (!MIGRATABLE.has(status)) {
      throw new DagflowError(
        ErrorCode.INVALID_TRANSITION,
        `Cannot migrate request '${requestId}' of flow '${flow}': it is ${status}; only a running, paused, failed or stopped request moves to a new version.`,
        { details: { status, command: 'migrate' } },
      );
    }
    if (from === to) return { requestId, from, to, at, dropped: [], released: [] };
    const [fromPlan, toPlan] = await Promise.all([
      plans.version(flow, from),
      plans.version(flow, to),
    ]);
    const plan = planMigration(fromPlan, toPlan, read);
    if (isRefusal(plan)) throw refused(flow, requestId, { ...plan, from, to });
    const migration = { from, to, at };
    const written = await writeMigration(res.redis, res.keys, target, { read, plan, migration });
    if (written.kind === 'missing') throw notFound(flow, requestId);
    if (written.kind === 'changed') continue;
    await removeFencedJobs(res, fromPlan, requestId, {
      steps: plan.fence,
      generation: written.generation,
    });
    await enqueueReleased({ queues: res.queues, store: res.store }, toPlan, requestId, written);
    return { requestId, ...migration, dropped: plan.dropped, released: plan.release };
  }
  throw refused(flow, requestId, {
    reason: 'running',
    nodes: [],
    from: '',
    to,
    message: `its state kept changing while it was read (${TRIES} tries); try again`,
  });
}

/**
 * Takes the waiting and delayed jobs of fenced steps, of every generation before the migration's, off
 * their queues (as stop does): they carry the old version. One that started meanwhile is fenced: its
 * completion is dropped as stale (a step handed its input may have run its handler once more).
 */
async function removeFencedJobs(
  res: ServiceResources,
  from: FlowPlan,
  requestId: string,
  fenced: { readonly steps: readonly string[]; readonly generation: number },
): Promise<void> {
  const partition = await res.queues.partitionOf(from.name, requestId);
  const removals = fenced.steps.flatMap((step) => {
    const queue = res.queues.queue(from.name, from.queueOf(step), partition);
    return Array.from({ length: fenced.generation }, (_, g) =>
      queue.remove(jobId(requestId, step, g)).catch(() => 0),
    );
  });
  await Promise.all(removals);
}

/** See `FlowClient.migrateAll`. */
export async function migrateVersion(
  deps: MigrationDeps,
  flow: string,
  from: string,
): Promise<BulkMigrationResult> {
  const { res, plans } = deps;
  const to = (await res.registry.currentVersion(flow)) ?? (await plans.get(flow)).version;
  const byVersion = await requestsByVersion(res.redis, res.keys, flow, MIGRATABLE);
  const matched = (byVersion.get(from) ?? []).map(({ requestId }) => requestId);
  const failed: { requestId: string; code: string; message: string }[] = [];
  let migrated = 0;
  for (const requestId of matched) {
    try {
      await migrateRequest(deps, flow, requestId);
      migrated += 1;
    } catch (error) {
      const code = error instanceof DagflowError ? error.code : ErrorCode.INTERNAL_ERROR;
      failed.push({ requestId, code, message: String((error as Error).message) });
    }
  }
  return { from, to, matched: matched.length, migrated, failed };
}

function refused(
  flow: string,
  requestId: string,
  why: {
    readonly reason: string;
    readonly nodes: readonly string[];
    readonly from: string;
    readonly to: string;
    readonly message?: string;
  },
): DagflowError {
  const { reason, nodes, from, to } = why;
  const text =
    why.message ??
    {
      running: `node(s) ${nodes.join(', ')} run now; wait until they end (or pause the request and wait), then migrate`,
      'composite-changed': `the sub-DAG, branch or for-each ${nodes.join(', ')} is in progress and its shape changed; wait until it ends`,
      'nothing-to-run': `every terminal node of the new shape (${nodes.join(', ')}) is done already; nothing would run`,
    }[reason];
  return new DagflowError(
    ErrorCode.MIGRATION_REFUSED,
    `Cannot migrate request '${requestId}' of flow '${flow}' from version ${from} to ${to}: ${String(text)}. Nothing changed.`,
    { details: { reason, nodes, from, to } },
  );
}

function notFound(flow: string, requestId: string): DagflowError {
  return new DagflowError(
    ErrorCode.REQUEST_NOT_FOUND,
    `Request '${requestId}' of flow '${flow}' does not exist or has expired.`,
    { details: { flow, requestId } },
  );
}
