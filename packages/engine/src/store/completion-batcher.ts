import { type RedisClient, isCluster } from '../infra/redis-connection.js';
import { runScript } from './scripts/scripts.js';
import { clockNow } from '../infra/clock.js';
import {
  type CompletionArgs,
  type CompletionGroup,
  completeNodeArgs,
  completeNodesArgs,
} from './scripts/completion-args.js';

interface Pending {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Completions of one batch with the same spec part: sent once, followed by each step's own part. */
interface Group extends CompletionGroup {
  readonly owns: (readonly (string | number)[])[];
  readonly pending: Pending[];
}

/** Completions of one request waiting for the end of the tick; `bytes` roughly sizes its arguments. */
interface Batch {
  readonly keys: readonly string[];
  readonly groups: Map<string, Group>;
  size: number;
  bytes: number;
}

/** A call holds at most this many completions... */
const MAX_CALLS = 200;
/** ...and about this many bytes of arguments (outputs), so that one command stays small. */
const MAX_BYTES = 4 * 1024 * 1024;

const argBytes = (args: readonly (string | number)[]): number => {
  let bytes = 0;
  for (const arg of args) bytes += typeof arg === 'string' ? arg.length : 8;
  return bytes;
};

/**
 * Groups the step completions issued in the same tick (for-each items finishing together, the steps of
 * many requests whose jobs ended together) into one `completeNodes` call: one command, one round trip
 * and one script run instead of one each, and the spec that sibling items share (their successors,
 * the request's channel) sent once. On a Redis Cluster, where each request's keys lie in a slot of
 * their own, one call per request. Each completion still runs exactly as `completeNode` would.
 */
export class CompletionBatcher {
  /** Pending completions by the request's state key. */
  readonly #pending = new Map<string, Batch>();
  #scheduled = false;
  readonly #perRequest: boolean;

  constructor(private readonly redis: RedisClient) {
    this.#perRequest = isCluster(redis);
  }

  /** Completes a step, together with the others of this tick; answers its `completeNode` reply. */
  complete(keys: readonly string[], { shared, own }: CompletionArgs): Promise<unknown> {
    const requestKey = keys[0] ?? '';
    let batch = this.#pending.get(requestKey);
    if (batch !== undefined && (batch.size >= MAX_CALLS || batch.bytes >= MAX_BYTES)) {
      // A full batch goes now; later completions of this tick start the next one.
      this.#pending.delete(requestKey);
      this.#send([batch]);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { keys, groups: new Map(), size: 0, bytes: 0 };
      this.#pending.set(requestKey, batch);
    }
    const groupKey = shared.join('\u0000');
    let group = batch.groups.get(groupKey);
    if (group === undefined) {
      group = { shared, owns: [], pending: [] };
      batch.groups.set(groupKey, group);
      batch.bytes += groupKey.length;
    }
    group.owns.push(own);
    batch.size += 1;
    batch.bytes += argBytes(own);
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the microtasks of this tick: every step that finished in it has joined by then.
      process.nextTick(() => this.#flush());
    }
    const { pending } = group;
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#pending.values()];
    this.#pending.clear();
    if (this.#perRequest) {
      for (const batch of batches) this.#send([batch]);
      return;
    }
    // Requests together, up to the limits of one call.
    let call: Batch[] = [];
    let size = 0;
    let bytes = 0;
    for (const batch of batches) {
      if (call.length > 0 && (size + batch.size > MAX_CALLS || bytes + batch.bytes > MAX_BYTES)) {
        this.#send(call);
        [call, size, bytes] = [[], 0, 0];
      }
      call.push(batch);
      size += batch.size;
      bytes += batch.bytes;
    }
    if (call.length > 0) this.#send(call);
  }

  #send(batches: readonly Batch[]): void {
    const now = clockNow();
    const [first] = batches;
    const [group] = first?.groups.values() ?? [];
    const [own] = group?.owns ?? [];
    const [only] = group?.pending ?? [];
    if (batches.length === 1 && first?.size === 1 && group && own && only) {
      runScript(
        this.redis,
        'completeNode',
        first.keys,
        completeNodeArgs(now, { ...group, own }),
      ).then(only.resolve, only.reject);
      return;
    }
    const keys = batches.flatMap((batch) => batch.keys);
    const args = completeNodesArgs(
      now,
      batches.map(({ groups }) => [...groups.values()]),
    );
    const settle = (each: (pending: Pending, i: number) => void): void => {
      let i = 0;
      for (const { groups } of batches)
        for (const { pending } of groups.values()) for (const one of pending) each(one, i++);
    };
    runScript(this.redis, 'completeNodes', keys, args).then(
      (replies) => settle((pending, i) => pending.resolve((replies as unknown[])[i])),
      (error: unknown) => settle((pending) => pending.reject(error)),
    );
  }
}
