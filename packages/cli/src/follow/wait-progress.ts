import { DagflowError, ErrorCode, type FlowService } from '@dagflow/engine';
import type { CommandTarget } from '../command-target.js';
import type { HttpClient } from '../http-client.js';
import type { Progress } from '../progress.js';
import type { FollowOptions } from './request-events.js';
import { followOverRedis } from './watch-follow.js';

/** Follows a request live until it ends; resolves with its final status. */
type Follow = (flow: string, requestId: string, options: FollowOptions) => Promise<string>;

/** The request `--wait` waits for, and how long: seconds, or `true` for no limit. */
export interface AwaitedRequest {
  readonly flow: string;
  readonly requestId: string;
  readonly seconds: number | true;
  /**
   * The request is a batch's (the execute answered a position): it exists only once its batch
   * closes, so it is waited for by its result, its state shown once it exists, not followed live.
   */
  readonly batched?: boolean;
}

/** Where waiting shows what it sees. */
export interface WaitDisplay {
  readonly progress: Progress;
  /** One line for the user, e.g. that the live stream failed and polling took over. */
  readonly note: (text: string) => void;
}

/** One wait of a bare `--wait`; it waits again and again until the request ends. */
const WAIT_ROUND_MS = 60_000;
/** How long the result of an ended request may take to read. */
const RESULT_MS = 10_000;
const POLL_MS = 250;

/**
 * Waits for the request's result, showing its progress as it happens: from the server's live stream
 * over HTTP, from Redis pub/sub over Redis; by polling when that fails (e.g. an older server).
 * @throws DagflowError `WAIT_TIMEOUT` when the seconds ran out; the request's error if it failed
 */
export async function waitWithProgress(
  target: CommandTarget,
  request: AwaitedRequest,
  display: WaitDisplay,
): Promise<unknown> {
  const { flow, requestId, seconds } = request;
  const deadline = seconds === true ? undefined : Date.now() + seconds * 1000;
  const follow = request.batched === true ? undefined : followerOf(target);
  if (follow !== undefined) {
    const timeout = new AbortController();
    const timer =
      deadline === undefined ? undefined : setTimeout(() => timeout.abort(), deadline - Date.now());
    const followed = await follow(flow, requestId, {
      onState: (state) => display.progress.show(state),
      signal: timeout.signal,
    })
      .then(
        () => undefined,
        (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
      )
      .finally(() => clearTimeout(timer));
    // The request ended: its result (or its error) is there to read.
    if (followed === undefined)
      return target.waitForResult(flow, requestId, { timeoutMs: RESULT_MS });
    if (timeout.signal.aborted) throw waitTimeout(request);
    if (isOfRequest(followed)) throw followed;
    display.note(`live updates unavailable (${followed.message}); polling instead`);
  }
  return poll(target, { ...request, deadline }, display.progress);
}

/** Shows the state every {@link POLL_MS} while waiting for the result until `deadline`. */
async function poll(
  target: CommandTarget,
  request: { flow: string; requestId: string; deadline: number | undefined },
  progress: Progress,
): Promise<unknown> {
  const { flow, requestId, deadline } = request;
  const show = async (): Promise<void> => {
    const state = await target.state(flow, requestId).catch(() => undefined);
    if (state !== undefined) progress.show(state);
  };
  await show();
  const timer = setInterval(() => void show(), POLL_MS);
  try {
    const result = await waitUntil(target, { flow, requestId }, deadline);
    clearInterval(timer);
    await show();
    return result;
  } finally {
    clearInterval(timer);
  }
}

/** Waits until `deadline`, or without one: in rounds, as one wait takes a finite timeout. */
async function waitUntil(
  target: CommandTarget,
  { flow, requestId }: { flow: string; requestId: string },
  deadline: number | undefined,
): Promise<unknown> {
  if (deadline !== undefined) {
    const timeoutMs = Math.max(1, deadline - Date.now());
    return target.waitForResult(flow, requestId, { timeoutMs });
  }
  for (;;) {
    try {
      return await target.waitForResult(flow, requestId, { timeoutMs: WAIT_ROUND_MS });
    } catch (error) {
      if (!(error instanceof DagflowError && error.code === ErrorCode.WAIT_TIMEOUT)) throw error;
    }
  }
}

/**
 * How `target` follows a request live: the server's event stream (the {@link HttpClient}), or Redis
 * pub/sub (a `FlowClient`); `undefined` for a target that can only be polled.
 */
function followerOf(target: CommandTarget): Follow | undefined {
  const live = target as Partial<Pick<HttpClient, 'follow'> & Pick<FlowService, 'watch'>>;
  if (typeof live.follow === 'function') return live.follow.bind(target);
  if (typeof live.watch === 'function') {
    const service = target as CommandTarget & Pick<FlowService, 'watch'>;
    return (flow, requestId, options) => followOverRedis(service, { flow, requestId }, options);
  }
  return undefined;
}

/** Errors that polling would meet too: the request or flow is unknown, or the caller may not see it. */
function isOfRequest(error: unknown): boolean {
  const codes: readonly string[] = [
    ErrorCode.FLOW_NOT_FOUND,
    ErrorCode.REQUEST_NOT_FOUND,
    ErrorCode.UNAUTHENTICATED,
    ErrorCode.FORBIDDEN,
  ];
  return error instanceof DagflowError && codes.includes(error.code);
}

function waitTimeout({ flow, requestId, seconds }: AwaitedRequest): DagflowError {
  return new DagflowError(
    ErrorCode.WAIT_TIMEOUT,
    `Request ${requestId} of flow '${flow}' did not finish within ${Number(seconds) * 1000} ms.`,
  );
}
