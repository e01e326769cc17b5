import { DagflowError, ErrorCode } from '@dagflow/flow';
import { CronExpressionParser } from 'cron-parser';
import { decode, encode } from '../format/codec.js';
import type { NodeQueues } from '../queue/node-queues.js';
import { type NodeJobData, SCHEDULE_JOB } from '../format/job-layout.js';

/** Options of `FlowClient.schedule`: when to start a request of the flow, and with what input. */
export interface ScheduleOptions {
  /** The schedule's id within its flow: scheduling again with one id replaces the schedule. 1-64 of `[A-Za-z0-9_.-]`. */
  readonly id: string;
  /**
   * A cron pattern (5 fields, or 6 with seconds first when `minScheduleIntervalMs` is under a minute),
   * e.g. `0 9 * * 1-5`; its ticks may come no closer than `minScheduleIntervalMs`. Give this or `everyMs`.
   */
  readonly cron?: string;
  /**
   * A fixed interval in ms, at least `minScheduleIntervalMs` (and 100), at most
   * `Number.MAX_SAFE_INTEGER`. Give this or `cron`.
   */
  readonly everyMs?: number;
  /**
   * The IANA time zone of a cron pattern, e.g. `Europe/Paris`.
   * @defaultValue the time zone of the worker process
   */
  readonly tz?: string;
  /** The input of every request the schedule starts. @defaultValue null */
  readonly input?: unknown;
}

/** A schedule as listed by `FlowClient.listSchedules`. */
export interface ScheduleInfo {
  readonly id: string;
  readonly cron?: string;
  readonly everyMs?: number;
  readonly tz?: string;
  readonly input: unknown;
  /** When the next request starts (ms since epoch), once known. */
  readonly next?: number;
}

/** The quotas of schedules (`maxSchedulesPerFlow`, `minScheduleIntervalMs` of the service). */
export interface ScheduleLimits {
  /** Most schedules one flow may have. */
  readonly maxPerFlow: number;
  /** Shortest time between two ticks of one schedule (ms). */
  readonly minIntervalMs: number;
}

/** The ids of schedules: 1-64 characters of `[A-Za-z0-9_.-]`. */
export const SCHEDULE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/** Ticks of a cron pattern looked at for its shortest gap. */
const CRON_SAMPLE = 200;

function invalidSchedule(flow: string, id: string, why: string): DagflowError {
  return new DagflowError(ErrorCode.INVALID_SCHEDULE, `Schedule of flow '${flow}': ${why}`, {
    details: { flow, id },
  });
}

/**
 * Checks a schedule's options: a valid id, exactly one of `cron` and `everyMs`, a cron pattern (and
 * time zone) that parses, ticks no closer than `limits.minIntervalMs` (and 100 ms); a cron pattern
 * with a seconds field only when that minimum is under a minute.
 * @throws DagflowError `INVALID_SCHEDULE` naming what is wrong
 */
export function assertValidSchedule(
  flow: string,
  options: ScheduleOptions,
  limits: ScheduleLimits,
): void {
  const invalid = (why: string): DagflowError => invalidSchedule(flow, options.id, why);
  const minMs = Math.max(100, limits.minIntervalMs);
  const quota = `(minScheduleIntervalMs, DAGFLOW_MIN_SCHEDULE_INTERVAL_MS)`;
  if (typeof options.id !== 'string' || !SCHEDULE_ID.test(options.id))
    throw invalid(
      `id must be 1-64 characters of [A-Za-z0-9_.-] (got ${JSON.stringify(options.id)}).`,
    );
  const { cron, everyMs, tz } = options;
  if ((cron === undefined) === (everyMs === undefined))
    throw invalid('give exactly one of `cron` and `everyMs`.');
  // A safe integer: a larger one is written as `1e+300`, which the queue reads back as 1 ms.
  if (everyMs !== undefined && !(Number.isSafeInteger(everyMs) && everyMs >= minMs))
    throw invalid(
      `everyMs must be an integer from ${minMs} ${quota} to ${Number.MAX_SAFE_INTEGER} (got ${String(everyMs)}).`,
    );
  if (tz !== undefined && cron === undefined) throw invalid('`tz` applies to `cron` only.');
  if (tz !== undefined && !isTimeZone(tz))
    throw invalid(`tz ${JSON.stringify(tz)} is not an IANA time zone (e.g. Europe/Paris).`);
  if (cron === undefined) return;
  if (cron.trim().split(/\s+/).length > 5 && minMs >= 60_000)
    throw invalid(
      `cron ${JSON.stringify(cron)} has a seconds field: ticks under a minute apart are not allowed ${quota}.`,
    );
  let gapMs: number;
  try {
    gapMs = shortestGap(cron, tz);
  } catch (error) {
    throw invalid(`cron ${JSON.stringify(cron)} does not parse: ${(error as Error).message}`);
  }
  if (gapMs < minMs)
    throw invalid(
      `cron ${JSON.stringify(cron)} ticks ${gapMs} ms apart, under the minimum of ${minMs} ms ${quota}.`,
    );
}

/** The shortest time between two of a cron pattern's next ticks (a sample of them). */
function shortestGap(cron: string, tz: string | undefined): number {
  const ticks = CronExpressionParser.parse(cron, {
    strict: false,
    ...(tz === undefined ? {} : { tz }),
  }).take(CRON_SAMPLE);
  let shortest = Number.POSITIVE_INFINITY;
  for (let i = 1; i < ticks.length; i++) {
    const gap = (ticks[i]?.getTime() ?? 0) - (ticks[i - 1]?.getTime() ?? 0);
    shortest = Math.min(shortest, gap);
  }
  return shortest;
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates or replaces a schedule: a BullMQ job scheduler on the flow's own queue. A new one is refused
 * once the flow has `limits.maxPerFlow` (counted before the write: calls racing for the last place may
 * each get it).
 */
export async function upsertSchedule(
  queues: NodeQueues,
  flow: string,
  schedule: { readonly options: ScheduleOptions; readonly limits: ScheduleLimits },
): Promise<void> {
  const { options, limits } = schedule;
  assertValidSchedule(flow, options, limits);
  const { id, cron, everyMs, tz } = options;
  const queue = queues.queue(flow);
  if (
    (await queue.getJobSchedulersCount()) >= limits.maxPerFlow &&
    !(await queue.getJobScheduler(id))
  )
    throw invalidSchedule(
      flow,
      id,
      `the flow has ${limits.maxPerFlow} schedules already, the most allowed (maxSchedulesPerFlow, DAGFLOW_MAX_SCHEDULES); remove one first.`,
    );
  const data: NodeJobData = { s: id, i: encode(options.input ?? null) };
  await queue.upsertJobScheduler(
    id,
    cron === undefined
      ? { every: everyMs }
      : { pattern: cron, ...(tz === undefined ? {} : { tz }) },
    {
      name: SCHEDULE_JOB,
      data,
      opts: { removeOnComplete: true, removeOnFail: true, attempts: 3 },
    },
  );
}

/** Removes a schedule; whether it existed. Requests it started go on. */
export async function removeSchedule(
  queues: NodeQueues,
  flow: string,
  id: string,
): Promise<boolean> {
  return queues.queue(flow).removeJobScheduler(id);
}

/** The flow's schedules, with their next run. */
export async function listSchedules(queues: NodeQueues, flow: string): Promise<ScheduleInfo[]> {
  const schedulers = await queues.queue(flow).getJobSchedulers(0, -1, true);
  return schedulers.flatMap((s) => {
    if (s.template?.data === undefined) return [];
    const data: NodeJobData = s.template.data;
    return [
      {
        id: s.key,
        ...(s.pattern == null ? {} : { cron: s.pattern }),
        ...(s.every == null ? {} : { everyMs: s.every }),
        ...(s.tz == null ? {} : { tz: s.tz }),
        input: data.i === undefined ? null : decode(data.i),
        ...(s.next == null ? {} : { next: s.next }),
      },
    ];
  });
}
