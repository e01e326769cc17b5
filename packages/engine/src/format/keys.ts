import { createHash } from 'node:crypto';
import { FLOW_QUEUE, type Partition, partitionOfTag, partitionTag } from './partitions.js';

/**
 * Every Redis key and queue name dagflow uses comes from here. Each request's keys share one hash tag,
 * so they live in one Redis Cluster slot and one Lua script may touch them all; each flow's queue name
 * is hash-tagged for the same reason.
 */
export interface RequestKeys {
  /** Hash: request status and timings, per-node status, attempts, timings and errors. */
  readonly state: string;
  /** Hash: the request's input and context, and every node's encoded output. */
  readonly data: string;
  /** Hash: the per-request key/value store handed to handlers as `ctx.store`. */
  readonly store: string;
  /** Set: steps held while the request is paused, failed or stopped, enqueued by resume or rerun. */
  readonly held: string;
  /**
   * Pub/sub channel (not a key; sharded, in the request's slot): the changes of the request itself
   * (see `announcements.ts`), for live views, waiters and the workers running its steps. The Lua
   * scripts name it `<state key>:live`: a stored format.
   */
  readonly live: string;
  /**
   * Pub/sub channel (sharded, in the request's slot): the changes of the request's steps, for live
   * views only (waiters and workers need none of them, so they do not hear them). The Lua scripts name
   * it `<state key>:steps`.
   */
  readonly steps: string;
  /** Hash: what handlers logged through `ctx.log`, `<path>|<attempt>` -> JSON lines (capped). */
  readonly logs: string;
  /**
   * Stream: the chunks handlers emitted through `ctx.emit`, entry id `0-<seq>` (seq counts the
   * request's chunks from 1), fields of `ChunkField` (`layout.ts`); it expires with the request.
   */
  readonly stream: string;
  /**
   * Pub/sub channel (sharded, in the request's slot): the seq of the last chunk of each append to
   * {@link stream}, for stream readers only. The Lua scripts name it `<state key>:chunks`.
   */
  readonly chunks: string;
}

/** The keys of one bulk action (see {@link Keys.bulk}). */
export interface BulkKeys {
  readonly progress: string;
  readonly done: string;
  readonly failed: string;
  readonly inflight: string;
  readonly failures: string;
}

/** The keys of one event's index (see {@link Keys.eventIndex}). */
export interface EventIndexKeys {
  readonly sets: string;
  readonly waiters: (hash: string) => string;
  readonly recent: (hash: string) => string;
}

/** Key and queue-name builders for one prefix. */
export class Keys {
  /** The last request's keys: a for-each's items ask for the same request's keys many times in a row. */
  #last:
    { readonly flow: string; readonly requestId: string; readonly keys: RequestKeys } | undefined;

  constructor(readonly prefix: string) {}

  /**
   * BullMQ queue name of a flow, or of one of its named queues (steps owned by a service); BullMQ puts
   * `prefix:` in front of it. All of a flow's queues share its hash tag.
   */
  queueName(flow: string, queue = '', partition: Partition = FLOW_QUEUE): string {
    const tag = partition.count === 1 ? flow : partitionTag(flow, partition);
    return queue === '' ? `{${tag}}` : `{${tag}}.${queue}`;
  }

  /** The partition a node queue's name (made by {@link queueName}) belongs to. */
  partitionOfQueue(queueName: string): Partition {
    return partitionOfTag(queueName.slice(1, queueName.indexOf('}')));
  }

  /**
   * Sorted set of the partition counts a flow was ever executed with (member: the count, score: when
   * it was last used), so that workers serve every partition a request may be in.
   */
  partitionCounts(flow: string): string {
    return `${this.prefix}:partitions:{${flow}}`;
  }

  /** Hash: every registered flow's published definition (JSON), by flow name. */
  get registry(): string {
    return `${this.prefix}:registry`;
  }

  /** String: the stored format of the data under this prefix (see `stored-format.ts`); never expires. */
  get storedFormat(): string {
    return `${this.prefix}:format`;
  }

  /** Hash: live worker processes, worker id -> JSON `WorkerInfo` (refreshed by each heartbeat). */
  get workerInfo(): string {
    return `${this.prefix}:worker-info`;
  }

  /**
   * Stream: the audit log of state changes made over HTTP, one JSON entry per stream entry (field
   * `entry`). A new key: the list `<prefix>:audit` of older versions is left as it was.
   */
  get audit(): string {
    return `${this.prefix}:audit-log`;
  }

  /** Hash: every published version of a flow's definition (JSON), by version. */
  versions(flow: string): string {
    return `${this.prefix}:versions:{${flow}}`;
  }

  /**
   * Hash: the flow's current version (field `version`) and its revision (field `revision`), in the
   * flow's slot beside {@link versions} (see `lua/publishFlow.lua`).
   */
  currentVersion(flow: string): string {
    return `${this.prefix}:current:{${flow}}`;
  }

  /** Hash: live workers of a flow, `<queue>|<workerId>` -> heartbeat expiry (ms). */
  workers(flow: string): string {
    return `${this.prefix}:workers:{${flow}}`;
  }

  /**
   * Hash: per live worker process of a flow, the steps it has code for, `<workerId>` ->
   * `<heartbeat expiry ms> <JSON array of step templates>` (see `step-capability.ts`).
   */
  capable(flow: string): string {
    return `${this.prefix}:capable:{${flow}}`;
  }

  /**
   * Sorted set: the flow's jobs that wait because no live worker can run their step (`STEP_UNAVAILABLE`),
   * member the JSON array `[queue name, job id, step template]`, score: since when (ms). A worker that starts with
   * code for one of them runs it at once.
   */
  unavailable(flow: string): string {
    return `${this.prefix}:unavailable:{${flow}}`;
  }

  /** The keys of one request. */
  request(flow: string, requestId: string): RequestKeys {
    const last = this.#last;
    if (last !== undefined && last.requestId === requestId && last.flow === flow) return last.keys;
    const base = `${this.prefix}:r:{${flow}/${requestId}}`;
    const keys = {
      state: `${base}:state`,
      data: `${base}:data`,
      store: `${base}:store`,
      held: `${base}:held`,
      live: `${base}:state:live`,
      steps: `${base}:state:steps`,
      logs: `${base}:logs`,
      stream: `${base}:stream`,
      chunks: `${base}:state:chunks`,
    };
    this.#last = { flow, requestId, keys };
    return keys;
  }

  /**
   * BullMQ queue (dagflow's own, not a node queue) of bulk actions: one job per action, run by any
   * process that serves flows or started one (see `maintenance/bulk-runner.ts`).
   */
  get bulkQueue(): string {
    return '{@bulk}';
  }

  /**
   * The keys of one bulk action of a flow (in the flow's slot): its progress hash, the sets of requests
   * it did (or found done), failed and began, and the failures' codes (a hash, capped). They expire 24 h
   * after the action's last progress. Added with T3-7.
   */
  bulk(flow: string, id: string): BulkKeys {
    const base = `${this.prefix}:bulk:{${flow}}:${id}`;
    return {
      progress: base,
      done: `${base}:done`,
      failed: `${base}:failed`,
      inflight: `${base}:inflight`,
      failures: `${base}:failures`,
    };
  }

  /** Sorted set of a flow's request ids by creation time (its own slot: it spans requests). */
  requestIndex(flow: string): string {
    return `${this.prefix}:requests:{${flow}}`;
  }

  /**
   * String: the request a debounce key of a flow points at while its window may be open (in the flow's
   * slot; the request's own keys hold the window, see `lua/debounceJoin.lua`).
   */
  debounce(flow: string, key: string): string {
    return `${this.prefix}:debounce:{${flow}}:${key}`;
  }

  /**
   * The keys of one concurrency key of a flow (in the flow's slot): running requests, waiting requests
   * (zsets of request ids), and the key's limit. A key value longer than 64 characters (caller input)
   * is named by its hash (`#` and 24 base64url characters of its sha256), so that no key name grows
   * with it. Since T3-2: slots of such long keys taken by an earlier version are not seen by this one.
   */
  concurrencyKey(flow: string, key: string): readonly [string, string, string] {
    const base = `${this.prefix}:ck:{${flow}}:${key.length <= 64 ? key : `#${hashedName(key)}`}`;
    return [`${base}:run`, `${base}:wait`, `${base}:limit`];
  }

  /**
   * Zset: the window of a rate-limit key (`rateLimit: { key }`; long keys hashed as
   * {@link concurrencyKey}'s), in the flow's slot (`lua/rateWindow.lua`). Added with T3-8.
   */
  rateWindow(flow: string, key: string): string {
    return `${this.prefix}:rl:{${flow}}:${key.length <= 64 ? key : `#${hashedName(key)}`}`;
  }

  /**
   * The index of the steps that wait for an event (`dag.waitFor`), all in the event's slot (hash tag:
   * the event name): `sets`, a hash of the key sets the event is matched on (JSON array of event paths
   * -> the largest look-back ms); per match hash (see `plan/event-match.ts`), `waiters` (set of the
   * waiting steps) and `recent` (list of events kept for look-backs). Every key expires.
   */
  eventIndex(event: string): EventIndexKeys {
    const base = `${this.prefix}:ev:{${event}}`;
    return {
      sets: `${base}:sets`,
      waiters: (hash) => `${base}:w:${hash}`,
      recent: (hash) => `${base}:r:${hash}`,
    };
  }

  /**
   * String: the use of a signal URL's token (its nonce), in the request's slot, set once and expiring
   * with the token (see `events/signal-urls.ts`).
   */
  signalUrlUse(flow: string, requestId: string, nonce: string): string {
    return `${this.request(flow, requestId).state.slice(0, -':state'.length)}:url:${nonce}`;
  }

  /**
   * String: the live request (its id) of one singleton key of a flow (`register(..., { singleton })`),
   * in the flow's slot; `name` is {@link singletonName} of the key. It expires (a lease while the
   * request is created, then its finish deadline or 24 h) and its request's end deletes it. Added with
   * T3-7.
   */
  singleton(flow: string, name: string): string {
    return `${this.prefix}:singleton:{${flow}}:${name}`;
  }

  /**
   * A node's result cache (option `cache`; `node`: its path template, `hash`: {@link hashedName} of the
   * key), in the flow's slot: `output` and `lead`, its lease (`lua/cacheLead.lua`). Added with T3-8.
   */
  stepCache(flow: string, node: string, hash: string): { output: string; lead: string } {
    const output = `${this.prefix}:cache:{${flow}}:${node}:${hash}`;
    return { output, lead: `${output}:lead` };
  }

  /**
   * Pub/sub channel of a flow's requests (see `announcements.ts`): `<requestId> <status>` whenever one
   * is created (`pending`), paused, resumed (`running`), stopped, failed or completed. Only processes
   * that watch the flow subscribe to it.
   */
  flowEvents(flow: string): string {
    return `${this.prefix}:events:{${flow}}`;
  }
}

/** A singleton key value in key names and request state (field `singleton`): `#` and its {@link hashedName}. */
export function singletonName(key: string): string {
  return `#${hashedName(key)}`;
}

/** A caller's value (any length) as a short key name: 24 base64url characters of its sha256. */
export function hashedName(key: string): string {
  return createHash('sha256').update(key).digest('base64url').slice(0, 24);
}

/**
 * The five keys of a request that scripts over the whole request take (those that may end it), in
 * their KEYS order: state, data, store, held, stream.
 */
export function allKeys(keys: RequestKeys): [string, string, string, string, string] {
  return [keys.state, keys.data, keys.store, keys.held, keys.stream];
}

/**
 * Whether a queue name has the form of a dagflow node queue ({@link Keys.queueName}): `{flow}` or
 * `{flow}.<queue>`. Such names are reserved, whether or not that flow is registered yet.
 */
export function isNodeQueueName(name: string): boolean {
  return /^\{[^{}]*\}(\..*)?$/s.test(name);
}
