import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { Queue, Worker } from 'bullmq';
import type { Logger } from '../infra/logger.js';
import type { Keys } from '../format/keys.js';
import type { PlanSource } from '../registry/plan-source.js';
import type { ServiceResources } from '../resources/service-resources.js';
import { deleteRequest } from './request-delete.js';
import type { BulkAction, BulkFilter } from './bulk-filter.js';
import { type BulkProgress, type BulkRecord, BulkProgressStore } from './bulk-progress.js';
import { cursorText, matching, parseCursorText, scanIndex } from './index-scan.js';

/**
 * Applies one action but `delete` to one request (a `FlowClient` command); throws a `DagflowError`
 * when refused.
 */
export type ApplyAction = (
  action: Exclude<BulkAction, 'delete'>,
  flow: string,
  requestId: string,
) => Promise<void>;

/** What a bulk runner needs. */
export interface BulkRunnerDeps {
  readonly res: ServiceResources;
  readonly plans: PlanSource;
  readonly log: Logger;
  readonly apply: ApplyAction;
}

/** Requests of one batch the action runs on at once. */
const CONCURRENCY = 16;

/** How long a bulk job's lock lasts unrenewed: a process that died gives the job up after it. */
const LOCK_MS = 10_000;

/** How often a dead runner's bulk jobs are looked for. */
const STALLED_CHECK_MS = 5_000;

/** How often `wait` reads a bulk action's progress. */
const POLL_MS = 200;

/**
 * Runs bulk actions as jobs of dagflow's own BullMQ queue (`Keys.bulkQueue`), so that one whose
 * process dies is taken over by another runner once its lock expires. A job counts the matching
 * requests first, then walks the flow's request index in batches from a stored cursor: requests done
 * or failed before (sets under `Keys.bulk`) are passed over, and one begun by a runner that died and
 * no longer matching counts as done (a rerun or resume is resumed, which enqueues what an interrupted
 * one left). Each request gets the action only while it still matches the filter.
 */
export class BulkRunner {
  readonly store: BulkProgressStore;
  #queue: Queue | undefined;
  #worker: Worker | undefined;

  constructor(private readonly deps: BulkRunnerDeps) {
    this.store = new BulkProgressStore(deps.res.redis, deps.res.keys);
  }

  get #keys(): Keys {
    return this.deps.res.keys;
  }

  async #currentVersion(action: BulkAction, flow: string): Promise<string> {
    if (action !== 'migrate') return '';
    const { res, plans } = this.deps;
    return (await res.registry.currentVersion(flow)) ?? (await plans.get(flow)).version;
  }

  async #apply(action: BulkAction, flow: string, requestId: string): Promise<void> {
    if (action === 'delete') await deleteRequest(this.deps.res, flow, requestId);
    else await this.deps.apply(action, flow, requestId);
  }

  /** Starts taking bulk jobs in this process (safe twice). */
  start(): void {
    this.#worker ??= new Worker<BulkRecord>(
      this.#keys.bulkQueue,
      async (job) => this.#run(job.data),
      {
        connection: this.deps.res.redis,
        prefix: this.#keys.prefix,
        concurrency: 2,
        lockDuration: LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
        maxStalledCount: 1_000,
      },
    );
    this.#worker.on('error', (error) =>
      this.deps.log.warn('bulk runner', { error: error.message }),
    );
  }

  /** Records a bulk action and queues its job; answers its id. */
  async submit(flow: string, filter: BulkFilter, action: BulkAction): Promise<string> {
    const id = `b${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
    const record = { id, flow, action, filter };
    await this.store.create(record, Date.now());
    this.#queue ??= new Queue(this.#keys.bulkQueue, {
      connection: this.deps.res.redis,
      prefix: this.#keys.prefix,
    });
    await this.#queue.add('bulk', record, {
      jobId: id,
      removeOnComplete: true,
      removeOnFail: true,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1_000 },
    });
    return id;
  }

  /** Counts the requests that match the filter and that the action applies to now. */
  async count(flow: string, filter: BulkFilter, action: BulkAction): Promise<number> {
    const { redis, keys } = this.deps.res;
    const currentVersion = await this.#currentVersion(action, flow);
    let matched = 0;
    for await (const { ids } of scanIndex(redis, keys, { flow, filter })) {
      const found = await matching(redis, keys, { flow, filter, action, currentVersion, ids });
      matched += found.length;
    }
    return matched;
  }

  /**
   * Waits until the bulk action has completed; answers its progress.
   * @throws DagflowError `BULK_NOT_FOUND` when its progress is gone
   */
  async wait(flow: string, id: string): Promise<BulkProgress> {
    for (;;) {
      const progress = await this.store.read(flow, id);
      if (progress === undefined) throw bulkNotFound(flow, id);
      if (progress.status === 'completed') return progress;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  /** Stops taking bulk jobs; one running here is taken over by another runner. */
  async close(): Promise<void> {
    await Promise.all([this.#worker?.close(), this.#queue?.close()]);
  }

  async #run(record: BulkRecord): Promise<void> {
    const { redis, keys } = this.deps.res;
    const stage = await this.store.stage(record);
    if (stage === undefined || stage.status === 'completed') return;
    await this.store.claim(record, runnerName());
    const { flow, filter, action } = record;
    if (stage.status === 'counting')
      await this.store.counted(record, await this.count(flow, filter, action));
    const currentVersion = await this.#currentVersion(action, flow);
    const from = stage.status === 'counting' ? undefined : parseCursorText(stage.cursor);
    for await (const { ids, cursor } of scanIndex(redis, keys, {
      flow,
      filter,
      ...(from === undefined ? {} : { from }),
    })) {
      const { finished, begun } = await this.store.seen(record, ids);
      const open = ids.filter((id) => !finished.has(id));
      const now = new Set(
        open.length === 0
          ? []
          : await matching(redis, keys, { flow, filter, action, currentVersion, ids: open }),
      );
      // Begun by a runner that died, and changed since: the action ran.
      for (const id of open.filter((id) => begun.has(id) && !now.has(id))) {
        if (action === 'rerun' || action === 'resume')
          await this.deps.apply('resume', flow, id).catch(() => undefined);
        await this.store.outcome(record, id);
      }
      await this.store.begin(record, [...now]);
      await inParallel([...now], async (id) => {
        try {
          await this.#apply(action, flow, id);
          await this.store.outcome(record, id);
        } catch (error) {
          const code = error instanceof DagflowError ? error.code : ErrorCode.INTERNAL_ERROR;
          await this.store.outcome(record, id, code);
        }
      });
      await this.store.advance(record, cursorText(cursor));
    }
    await this.store.complete(record, Date.now());
  }
}

/** This process, as a bulk action's progress names its runner. */
function runnerName(): string {
  return `${hostname()}:${process.pid}`;
}

async function inParallel(
  ids: readonly string[],
  each: (id: string) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const id = ids[next++];
      if (id !== undefined) await each(id);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ids.length) }, lane));
}

/** The error of a bulk action that is unknown or whose progress expired. */
export function bulkNotFound(flow: string, id: string): DagflowError {
  return new DagflowError(
    ErrorCode.BULK_NOT_FOUND,
    `Flow '${flow}' has no bulk action '${id}' (or its progress expired: it is kept 24 h).`,
    { details: { flow, id } },
  );
}
