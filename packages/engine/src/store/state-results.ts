import type { RequestStatus } from '../types/types.js';
import { ReplyCode } from '../format/reply-codes.js';

/** How long finished requests' data stays in Redis. */
export interface Retention {
  /** Milliseconds a completed request is kept. */
  readonly completedMs: number;
  /** Milliseconds a failed or stopped request is kept. */
  readonly failedMs: number;
  /** Milliseconds a paused request is kept unless resumed (or stopped) before. */
  readonly pausedMs: number;
}

/** What `beginNode` decided. */
export type BeginResult =
  | {
      readonly kind: 'run';
      readonly attempt: number;
      readonly context: string | null;
      readonly inputs: (string | null)[];
      /** The attempt's owner token (see `ownerToken` in `format/layout.ts`). */
      readonly owner: string;
      /** For an implied begin (see `format/implied-begin.ts`): stops its delayed running mark. */
      readonly settle?: () => void;
      /** For an implied begin: its start time, written with its completion or failure. */
      readonly startedAt?: number;
    }
  | { readonly kind: 'completed' }
  | { readonly kind: 'not-running'; readonly status: string }
  | { readonly kind: 'stale'; readonly owner: string }
  | { readonly kind: 'missing' };

/** What a completing step writes and releases; see `lua/completeNode.lua`. */
export interface CompletionSpec {
  /** Pairs of successor path and the completions it waits for (`'e'`: enqueued by the caller, see the script). */
  readonly successors: readonly (string | number)[];
  /** Inputs of released steps the caller hands over in their job data (for-each items), by path. */
  readonly handOver?: ReadonlyMap<string, string>;
  /** Successors the caller enqueues right behind the script (their pairs say `'e'`), with or without their input. */
  readonly enqueueNow?: { readonly inline: readonly string[]; readonly plain: readonly string[] };
  /** The flow's terminal count when the step completes a top-level terminal, else 0. */
  readonly terminalCount: number;
  /** Pairs of extra state-hash fields of this step, set on first completion only (never shared). */
  readonly stateFields?: readonly string[];
  /** Pairs of extra data-hash fields, set on first completion only (sent as one JSON argument). */
  readonly dataFields?: readonly string[];
  /**
   * Steps released that the caller enqueues right behind the script (a start step's entries), sent as
   * one JSON argument: marked queued, and returned again by a repeated completion.
   */
  readonly enqueued?: readonly string[];
  /** For a terminal of a concurrency-limited for-each body: vertex path, item prefix, terminals per item, root suffixes. */
  readonly gate?: readonly (string | number)[];
}

/** The step a completion is for. */
export interface CompletedStep {
  readonly path: string;
  /** The completing attempt's owner token, or '' for a repeat by a job that found the step completed. */
  readonly owner: string;
  /** Its encoded output. */
  readonly output: string;
  /** For an implied begin (see `format/implied-begin.ts`): its start, written with the completion. */
  readonly startedAt?: number | undefined;
  /**
   * The join the caller runs next in its own job, should this completion release it: it then begins
   * in the same script call (see `lua/completeStep.lua`), with this owner token and input fields.
   */
  readonly begin?: {
    readonly path: string;
    readonly owner: string;
    readonly fields: readonly string[];
  };
}

/** A lifecycle command. */
export type ControlCommand = 'pause' | 'resume' | 'stop' | 'rerun';

/**
 * Why the engine itself stopped a request (a deadline, a newer singleton request): recorded as the
 * stopped request's `error` (node `''`). `unstarted`: stop only a request none of whose nodes began
 * (a start deadline), atomically with the status check.
 */
export interface StopReason {
  readonly code: 'DEADLINE_EXCEEDED' | 'SUPERSEDED';
  readonly message: string;
  readonly unstarted?: boolean;
}

/** What a lifecycle command did. */
export type ControlResult =
  | {
      readonly kind: 'done';
      readonly steps: readonly string[];
      readonly generation: number;
      /** Resume and rerun: the job-id generation of each step, in `steps` order. */
      readonly generations?: readonly number[];
      /**
       * Rerun: the stored resuming chunk of each step, in `steps` order (else the chunk follows from its
       * position, see `enqueueReleased`).
       */
      readonly chunks?: readonly number[];
      /** A rerun found every terminal completed (while stopped or failed) and completed the request. */
      readonly completed: boolean;
    }
  | { readonly kind: 'invalid'; readonly status: RequestStatus }
  | { readonly kind: 'missing' };

/** What `completeNode` decided: the successors to enqueue now. */
export type CompleteResult =
  | {
      readonly kind: 'released';
      readonly ready: readonly string[];
      readonly completedRequest: boolean;
      /** When the completion ended the request: what its state said at its end (see {@link EndedRequest}). */
      readonly ended?: EndedRequest;
      /** For a repeated completion: the job-id generation the successors were released with. */
      readonly generation?: number;
      /** For a repeated completion: every successor it released, `ready` and those that started since. */
      readonly released?: readonly string[];
      /** The join named in {@link CompletedStep.begin}, released and begun by this completion. */
      readonly begun?: BeginResult;
    }
  | { readonly kind: 'not-running' }
  | { readonly kind: 'stale'; readonly owner: string }
  | { readonly kind: 'missing' };

/**
 * What a request's end needs to know of it, read by the script that ended it: its parent link (stored
 * JSON, field `parent`) and its concurrency key, each null when it has none.
 */
export interface EndedRequest {
  readonly parent: string | null;
  readonly concurrencyKey: string | null;
  /** Whether it has a deadline (a delayed `@deadline` job to take off its queue). */
  readonly deadline?: boolean;
  /** The name of its singleton key (`Keys.singleton`), or null. */
  readonly singleton?: string | null;
}

/** What `failNode` decided. */
export type FailResult =
  | { readonly kind: 'recorded'; readonly requestFailed: boolean }
  /** The step had completed: the failure came late (or belongs to a step run after it in its job). */
  | { readonly kind: 'completed' }
  | { readonly kind: 'stale'; readonly owner: string };

/** A `begin_step` reply (`lua/beginStep.lua`): the code, then what it carries. */
export type BeginReply = [number, ...(string | number | null)[]];

/** Decodes a begin's reply; `owner` is the token the attempt began with. */
export function beginResult(reply: BeginReply, owner: string): BeginResult {
  switch (reply[0]) {
    case ReplyCode.OK:
      return {
        kind: 'run',
        owner,
        attempt: Number(reply[1]),
        context: reply[2] as string | null,
        inputs: reply.slice(3) as (string | null)[],
      };
    case ReplyCode.COMPLETED:
      return { kind: 'completed' };
    case ReplyCode.NOT_RUNNING:
      return { kind: 'not-running', status: String(reply[1]) };
    case ReplyCode.STALE:
      return { kind: 'stale', owner: String(reply[1]) };
    default:
      return { kind: 'missing' };
  }
}

/** The reply of `completeNode` (one element of `completeNodes`' reply). */
export type CompleteReply = [
  number,
  (string[] | string)?,
  (string[] | number)?,
  (number | string | BeginReply)?,
  string?,
  number?,
  string?,
];

/** Decodes a completion's reply; `begin` is the join the completion was asked to begin, if any. */
export function completeResult(
  reply: CompleteReply,
  begin?: CompletedStep['begin'],
): CompleteResult {
  switch (reply[0]) {
    case ReplyCode.OK: {
      if (reply[2] === 1)
        return {
          kind: 'released',
          ready: [],
          completedRequest: true,
          ended: {
            parent: (reply[3] as string) || null,
            concurrencyKey: reply[4] || null,
            deadline: reply[5] === 1,
            singleton: reply[6] || null,
          },
        };
      const begun = reply[3];
      return {
        kind: 'released',
        ready: (reply[1] as string[] | undefined) ?? [],
        completedRequest: false,
        ...(Array.isArray(begun) && begin !== undefined
          ? { begun: beginResult(begun, begin.owner) }
          : {}),
      };
    }
    case ReplyCode.COMPLETED: {
      const started = new Set(reply[2] as string[]);
      const released = (reply[1] as string[] | undefined) ?? [];
      return {
        kind: 'released',
        ready: released.filter((path) => !started.has(path)),
        completedRequest: false,
        generation: Number(reply[3] ?? 0),
        released,
      };
    }
    case ReplyCode.NOT_RUNNING:
      return { kind: 'not-running' };
    case ReplyCode.STALE:
      return { kind: 'stale', owner: String(reply[1] ?? '') };
    default:
      return { kind: 'missing' };
  }
}
