import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { RedisClient } from '../infra/redis-connection.js';
import type { Keys } from '../format/keys.js';
import { RequestField, StepField, stepField } from '../format/layout.js';
import {
  parseRequestAnnouncement,
  parseStepAnnouncement,
  REQUEST_MARK,
} from '../format/announcements.js';
import { readChunks, type StreamChunk } from '../store/reads/chunk-reads.js';
import type { Subscriptions } from '../resources/subscriptions.js';
import { batchPending } from './start/batch-execute.js';

/** Options of `FlowClient.stream`. */
export interface StreamOptions {
  /** Only the chunks this node path emitted; the stream then ends when that node ends. */
  readonly node?: string;
  /**
   * Resume after this seq: the first chunk read is the one after it (a reconnecting reader hands the
   * seq of the last chunk it saw).
   * @defaultValue 0, from the first chunk
   */
  readonly from?: number;
  /** Ends the stream early (the iteration returns). */
  readonly signal?: AbortSignal;
}

/** What a stream reader reads from. */
export interface StreamSource {
  readonly redis: RedisClient;
  readonly keys: Keys;
  readonly subscriptions: Subscriptions;
}

/** Chunks read per command: bounds a reader's memory and each read's time in Redis. */
const READ_COUNT = 1_000;
/** A reader with no news reads the request's status this often (an announcement may be lost). */
const RECHECK_MS = 1_000;
const ENDS: ReadonlySet<string> = new Set(['completed', 'failed', 'stopped']);
const NODE_ENDS: ReadonlySet<string> = new Set(['completed', 'failed']);

/**
 * The chunks of a request's stream, in order, from `from` on, as they come; ends when the request
 * ends (or, with `node`, when that node completes or fails for good), after every chunk stored
 * before the end. A reader holds no connection of its own: it reads with `XRANGE` on the shared
 * connection, `READ_COUNT` chunks at a time as its consumer pulls them, and waits for the appends
 * announced on the request's chunks channel (sharded pub/sub, on the process's one subscriber), and
 * for the request's end on its own channel.
 * @throws DagflowError `FLOW_NOT_FOUND` (from `target.known`), `REQUEST_NOT_FOUND` (on the first read)
 */
export async function* streamChunks(
  source: StreamSource,
  target: {
    readonly flow: string;
    readonly requestId: string;
    /** Checks first that the flow exists (throws `FLOW_NOT_FOUND`). */
    readonly known?: () => Promise<unknown>;
  },
  options: StreamOptions = {},
): AsyncGenerator<StreamChunk, void, undefined> {
  await target.known?.();
  const { redis, subscriptions } = source;
  const keys = source.keys.request(target.flow, target.requestId);
  const { node, signal } = options;
  let ended = false;
  let news = false;
  let wake: () => void = () => undefined;
  const hear = (): void => {
    news = true;
    wake();
  };
  const onLive = (message: string): void => {
    if (parseRequestAnnouncement(message)?.ended === true) ended = true;
    hear();
  };
  const onSteps = (message: string): void => {
    if (message.startsWith(REQUEST_MARK)) return;
    const step = parseStepAnnouncement(message);
    if (step.node !== node || !NODE_ENDS.has(step.status)) return;
    ended = true;
    hear();
  };
  const channels: [string, (message: string) => void][] = [
    [keys.chunks, hear],
    [keys.live, onLive],
    ...(node === undefined ? [] : [[keys.steps, onSteps] as [string, (m: string) => void]]),
  ];
  signal?.addEventListener('abort', hear);
  try {
    // Listening first: an end announced after the status read below is heard.
    await Promise.all(
      channels.map(([channel, listener]) => subscriptions.add(channel, true, listener)),
    );
    const readStatus = () =>
      redis.hmget(keys.state, RequestField.status, stepField(StepField.status, node ?? ''));
    const isEnded = async (): Promise<boolean> => {
      let [status, nodeStatus] = await readStatus();
      if (status === null || status === undefined) {
        // A batch's request is created when the batch closes: until then it has no chunks yet. Its
        // pending mark goes only after the request exists: one that closed meanwhile is read again.
        if (await batchPending(source, target.flow, target.requestId)) return false;
        [status, nodeStatus] = await readStatus();
      }
      if (status === null || status === undefined) {
        throw new DagflowError(
          ErrorCode.REQUEST_NOT_FOUND,
          `Request '${target.requestId}' of flow '${target.flow}' does not exist (or expired): nothing to stream.`,
        );
      }
      return ENDS.has(status) || (node !== undefined && NODE_ENDS.has(nodeStatus ?? ''));
    };
    ended ||= await isEnded();
    let after = options.from ?? 0;
    while (signal?.aborted !== true) {
      // An end seen before this read: the read gets every chunk, none is appended after an end.
      const endedBefore = ended;
      news = false;
      const chunks = await readChunks(redis, keys, after, READ_COUNT);
      for (const chunk of chunks) {
        after = chunk.seq;
        if (node === undefined || chunk.node === node) yield chunk;
      }
      if (chunks.length === READ_COUNT) continue;
      if (endedBefore) return;
      if (!news && !(await woken(RECHECK_MS, (resolve) => (wake = resolve)))) {
        ended ||= await isEnded();
      }
    }
  } finally {
    signal?.removeEventListener('abort', hear);
    for (const [channel, listener] of channels) subscriptions.remove(channel, true, listener);
  }
}

/** Resolves true when `arm`'s callback is called, false after `ms`. */
function woken(ms: number, arm: (resolve: () => void) => void): Promise<boolean> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    arm(() => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}
