import { stepField, StepField } from './layout.js';

/** When a step started and finished. */
export interface StepTimes {
  /** When the step started (ms), when known. */
  readonly startedAt?: number;
  /** When the step finished (ms): completed, or failed for good. */
  readonly finishedAt?: number;
}

/**
 * A step's start and finish, from the fields of its request's state hash: a completed step's record
 * ({@link StepField.done}: `<started>,<took>,<owner>`, or `,<finished>,<owner>` when the start is
 * unknown; written by `lua/includes/stepRecord.lua`) when it has one, else its fields `t0|` and `t1|`
 * (a step that has not completed, or one completed by a version from before the record). The one
 * reader of the record; it needs the step's status too.
 */
export function stepTimesOf(fields: Readonly<Record<string, string>>, path: string): StepTimes {
  const completed = fields[stepField(StepField.status, path)] === 'completed';
  const record = completed ? fields[stepField(StepField.done, path)] : undefined;
  if (record === undefined) {
    return timesOf(
      fields[stepField(StepField.startedAt, path)],
      fields[stepField(StepField.finishedAt, path)],
    );
  }
  // The owner, last, may hold commas: only the first two separate.
  const first = record.indexOf(',');
  const second = record.indexOf(',', first + 1);
  const finish = Number(record.slice(first + 1, second));
  if (first === 0) return { finishedAt: finish };
  const startedAt = Number(record.slice(0, first));
  return { startedAt, finishedAt: startedAt + finish };
}

function timesOf(started: string | undefined, finished: string | undefined): StepTimes {
  return {
    ...(started === undefined ? {} : { startedAt: Number(started) }),
    ...(finished === undefined ? {} : { finishedAt: Number(finished) }),
  };
}
