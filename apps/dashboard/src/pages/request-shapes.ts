import { api } from '../server/api.js';
import type { DagDescription, FlowDetailResponse } from '@dagflow/server/contract';

/**
 * The DAGs a request page draws: a request keeps the shape of the version it started with
 * (`RequestState.version`), which is not the flow's current one while an older version's request
 * runs, and changes when the request is migrated. Each shape is fetched once; a failed fetch is tried
 * again on the next call.
 */
export class RequestShapes {
  #current: Promise<FlowDetailResponse> | undefined;
  readonly #older = new Map<string, Promise<DagDescription>>();

  /** Starts fetching the flow's current description. */
  constructor(private readonly flow: string) {
    void this.#fetchCurrent();
  }

  /** The shape of `version`: the flow's current one when it is that or `undefined`. */
  async of(version: string | undefined): Promise<DagDescription> {
    const current = await this.#fetchCurrent();
    if (version === undefined || version === current.version) return current.dag;
    let older = this.#older.get(version);
    if (older === undefined) {
      older = api.flowVersion(this.flow, version);
      this.#older.set(version, older);
      forgetOnFailure(older, () => this.#older.delete(version));
    }
    return older;
  }

  #fetchCurrent(): Promise<FlowDetailResponse> {
    if (this.#current === undefined) {
      this.#current = api.flow(this.flow);
      forgetOnFailure(this.#current, () => (this.#current = undefined));
    }
    return this.#current;
  }
}

/** Calls `forget` when `fetched` fails (its caller still sees the error). */
function forgetOnFailure(fetched: Promise<unknown>, forget: () => void): void {
  void fetched.catch(forget);
}
