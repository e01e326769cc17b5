import type { Redis } from 'ioredis';
import { runScript } from './scripts.js';

interface PendingCompletion {
  readonly args: readonly (string | number)[];
  readonly resolve: (reply: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Completions of one request waiting for the end of the tick; `bytes` roughly sizes its arguments. */
interface Batch {
  readonly keys: readonly string[];
  readonly calls: PendingCompletion[];
  bytes: number;
}

/** A batch holds at most this many completions... */
const MAX_CALLS = 200;
/** ...and about this many bytes of arguments (outputs), so that one command stays small. */
const MAX_BYTES = 4 * 1024 * 1024;

/**
 * Groups the step completions of one request that are issued in the same tick (for-each items finishing
 * together) into one `completeNodes` call: one command, one round trip and one script run instead of
 * one each. Each completion still runs exactly as `completeNode` would, in the order they were issued.
 */
export class CompletionBatcher {
  /** Pending completions by the request's state key (one script call touches one request's keys). */
  readonly #pending = new Map<string, Batch>();
  #scheduled = false;

  constructor(private readonly redis: Redis) {}

  /** Completes a step with the arguments of `completeNode`, together with its siblings of this tick. */
  complete(keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    const requestKey = keys[0] ?? '';
    let batch = this.#pending.get(requestKey);
    if (batch !== undefined && (batch.calls.length >= MAX_CALLS || batch.bytes >= MAX_BYTES)) {
      // A full batch goes now; later completions of this tick start the next one.
      this.#pending.delete(requestKey);
      this.#send(batch);
      batch = undefined;
    }
    if (batch === undefined) {
      batch = { keys, calls: [], bytes: 0 };
      this.#pending.set(requestKey, batch);
    }
    for (const arg of args) batch.bytes += typeof arg === 'string' ? arg.length : 8;
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the microtasks of this tick: every item that finished in it has joined by then.
      process.nextTick(() => this.#flush());
    }
    const calls = batch.calls;
    return new Promise((resolve, reject) => calls.push({ args, resolve, reject }));
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = [...this.#pending.values()];
    this.#pending.clear();
    for (const batch of batches) this.#send(batch);
  }

  #send({ keys, calls }: Batch): void {
    const [only] = calls;
    if (calls.length === 1 && only !== undefined) {
      runScript(this.redis, 'completeNode', keys, only.args).then(only.resolve, only.reject);
      return;
    }
    const args: (string | number)[] = [calls.length];
    for (const call of calls) args.push(call.args.length, ...call.args);
    runScript(this.redis, 'completeNodes', keys, args).then(
      (replies) => calls.forEach((call, i) => call.resolve((replies as unknown[])[i])),
      (error: unknown) => calls.forEach((call) => call.reject(error)),
    );
  }
}
