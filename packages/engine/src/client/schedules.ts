import { DagflowError, ErrorCode } from '@dagflow/flow';
import { CronExpressionParser } from 'cron-parser';
import { decode, encode } from '../codec.js';
import type { NodeQueues } from '../node-queues.js';
import { type NodeJobData, SCHEDULE_JOB } from '../store/layout.js';

/** Options of `FlowClient.schedule`: when to start a request of the flow, and with what input. */
export interface ScheduleOptions {
  /** The schedule's id within its flow: scheduling again with one id replaces the schedule. 1-64 of `[A-Za-z0-9_.-]`. */
  readonly id: string;
  /** A cron pattern (5 fields, or 6 with seconds first), e.g. `0 9 * * 1-5`. Give this or `everyMs`. */
  readonly cron?: string;
  /** A fixed interval in ms (at least 100). Give this or `cron`. */
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

const SCHEDULE_ID = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * Checks a schedule's options: a valid id, exactly one of `cron` and `everyMs`, a cron pattern (and
 * time zone) that parses, an interval of at least 100 ms.
 * @throws DagflowError `INVALID_SCHEDULE` naming what is wrong
 */
export function assertValidSchedule(flow: string, options: ScheduleOptions): void {
  const invalid = (why: string): DagflowError =>
    new DagflowError(ErrorCode.INVALID_SCHEDULE, `Schedule of flow '${flow}': ${why}`, {
      details: { flow, id: options.id },
    });
  if (typeof options.id !== 'string' || !SCHEDULE_ID.test(options.id))
    throw invalid(
      `id must be 1-64 characters of [A-Za-z0-9_.-] (got ${JSON.stringify(options.id)}).`,
    );
  const { cron, everyMs, tz } = options;
  if ((cron === undefined) === (everyMs === undefined))
    throw invalid('give exactly one of `cron` and `everyMs`.');
  if (everyMs !== undefined && !(Number.isInteger(everyMs) && everyMs >= 100))
    throw invalid(`everyMs must be an integer >= 100 (got ${String(everyMs)}).`);
  if (tz !== undefined && cron === undefined) throw invalid('`tz` applies to `cron` only.');
  if (tz !== undefined && !isTimeZone(tz))
    throw invalid(`tz ${JSON.stringify(tz)} is not an IANA time zone (e.g. Europe/Paris).`);
  if (cron !== undefined) {
    try {
      CronExpressionParser.parse(cron, { strict: false, ...(tz === undefined ? {} : { tz }) });
    } catch (error) {
      throw invalid(`cron ${JSON.stringify(cron)} does not parse: ${(error as Error).message}`);
    }
  }
}

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Creates or replaces a schedule: a BullMQ job scheduler on the flow's own queue. */
export async function upsertSchedule(
  queues: NodeQueues,
  flow: string,
  options: ScheduleOptions,
): Promise<void> {
  assertValidSchedule(flow, options);
  const { id, cron, everyMs, tz } = options;
  const data: NodeJobData = { s: id, i: encode(options.input ?? null) };
  await queues
    .queue(flow)
    .upsertJobScheduler(
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
