import type { RedisClient } from '../redis-connection.js';
import { runScript } from './scripts.js';

/** One step's completion: the spec part it may share with others, and its own part (see `lua/completeStep.lua`). */
export interface CompletionArgs {
  readonly shared: readonly (string | number)[];
  readonly own: readonly (string | number)[];
}

interface Pending {
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Completions of one batch with the same spec part: sent once, followed by each step's own part. */
interface Group {
  readonly shared: readonly (string | number)[];
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

/** A batch holds at most this many completions... */
const MAX_CALLS = 200;
/** ...and about this many bytes of arguments (outputs), so that one command stays small. */
const MAX_BYTES = 4 * 1024 * 1024;

const argBytes = (args: readonly (string | number)[]): number => {
  let bytes = 0;
  for (const arg of args) bytes += typeof arg === 'string' ? arg.length : 8;
  return bytes;
};

/**
 * Groups the step completions of one request that are issued in the same tick (for-each items finishing
 * together) into one `completeNodes` call: one command, one round trip and one script run instead of
 * one each, and the spec that sibling items share (their successors, the request's channel) sent once.
 * Each completion still runs exactly as `completeNode` would.
 */
export class CompletionBatcher {
  /** Pending completions by the request's state key (one script call touches one request's keys). */
  readonly #pending = new Map<string, Batch>();
  #scheduled = false;

  constructor(private readonly redis: RedisClient) {}

  /** Completes a step, together with its siblings of this tick; answers its `completeNode` reply. */
  complete(keys: readonly string[], { shared, own }: CompletionArgs): Promise<unknown> {
    const requestKey = keys[0] ?? '';
    let batch = this.#pending.get(requestKey);
    if (batch !== undefined && (batch.size >= MAX_CALLS || batch.bytes >= MAX_BYTES)) {
      // A full batch goes now; later completions of this tick start the next one.
      this.#pending.delete(requestKey);
      this.#send(batch);
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
      // After the microtasks of this tick: every item that finished in it has joined by then.
      process.nextTick(() => this.#flush());
    }
    const { pending } = group;
    return new Promise((resolve, reject) => pending.push({ resolve, reject }));
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#pending.values()];
    this.#pending.clear();
    for (const batch of batches) this.#send(batch);
  }

  #send({ keys, groups, size }: Batch): void {
    const now = Date.now();
    const [first] = groups.values();
    const [own] = first?.owns ?? [];
    const [only] = first?.pending ?? [];
    if (size === 1 && first !== undefined && own !== undefined && only !== undefined) {
      runScript(this.redis, 'completeNode', keys, [now, ...first.shared, ...own]).then(
        only.resolve,
        only.reject,
      );
      return;
    }
    const args: (string | number)[] = [now, groups.size];
    for (const { shared, owns } of groups.values()) {
      args.push(...shared, owns.length);
      for (const own of owns) args.push(...own);
    }
    const settle = (each: (pending: Pending, i: number) => void): void => {
      let i = 0;
      for (const group of groups.values()) for (const pending of group.pending) each(pending, i++);
    };
    runScript(this.redis, 'completeNodes', keys, args).then(
      (replies) => settle((pending, i) => pending.resolve((replies as unknown[])[i])),
      (error: unknown) => settle((pending) => pending.reject(error)),
    );
  }
}
