import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { Request, Response } from 'express';
import { callerOf } from '../auth/caller.js';

/** How many live streams one server may hold open. */
export interface StreamLimits {
  /** In all. */
  readonly total: number;
  /** Per caller (a token; everyone when authentication is off). */
  readonly perCaller: number;
}

/**
 * The live streams a server holds open, by caller: a stream takes a place before it opens and gives it
 * back when it ends, so that no caller can hold more than its share of the server's connections,
 * subscriptions and memory.
 */
export class StreamQuota {
  readonly #open = new Map<string, number>();
  #total = 0;

  constructor(readonly limits: StreamLimits) {}

  /**
   * Takes a place for a stream of `caller`; answers the function that gives it back (once).
   * @throws DagflowError `TOO_MANY_STREAMS` when the caller or the server is at its limit
   */
  take(caller: string): () => void {
    const mine = this.#open.get(caller) ?? 0;
    if (mine >= this.limits.perCaller || this.#total >= this.limits.total) {
      const whole = this.#total >= this.limits.total;
      throw new DagflowError(
        ErrorCode.TOO_MANY_STREAMS,
        whole
          ? `This server holds ${this.#total} live streams, its limit (DAGFLOW_MAX_STREAMS); retry later.`
          : `This token holds ${mine} live streams, its limit (DAGFLOW_MAX_STREAMS_PER_TOKEN); close one first.`,
        {
          details: {
            open: whole ? this.#total : mine,
            limit: whole ? this.limits.total : this.limits.perCaller,
          },
        },
      );
    }
    this.#open.set(caller, mine + 1);
    this.#total += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#total -= 1;
      const left = (this.#open.get(caller) ?? 1) - 1;
      if (left === 0) this.#open.delete(caller);
      else this.#open.set(caller, left);
    };
  }
}

/**
 * Takes a place for a live stream of the request's caller on its server (see {@link StreamQuota});
 * a refusal answers with `Retry-After`.
 * @throws DagflowError `TOO_MANY_STREAMS`
 */
export function takeStreamPlace(req: Request, res: Response): () => void {
  const quota = req.app.locals['streams'] as StreamQuota | undefined;
  if (quota === undefined) return () => undefined;
  const { role, name } = callerOf(res);
  try {
    return quota.take(`${role}:${name}`);
  } catch (error) {
    res.set('retry-after', '5');
    throw error;
  }
}
