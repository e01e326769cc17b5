import { DagflowError, ErrorCode } from '@dagflow/flow';

/** What stopping a request aborts: an attempt's (lazy) abort controller. */
interface Abortable {
  abort(reason: unknown): void;
}

/** The attempts running in this process, by request, so that stopping a request aborts their signals. */
export class RunningAttempts {
  readonly #byRequest = new Map<string, Set<Abortable>>();

  /** Tracks `controller` until the returned function is called. */
  track(requestKey: string, controller: Abortable): () => void {
    const set = this.#byRequest.get(requestKey) ?? new Set();
    set.add(controller);
    this.#byRequest.set(requestKey, set);
    return () => {
      set.delete(controller);
      if (set.size === 0) this.#byRequest.delete(requestKey);
    };
  }

  /** Aborts every attempt of the request with a `REQUEST_STOPPED` error. */
  abort(requestKey: string): void {
    for (const controller of this.#byRequest.get(requestKey) ?? []) {
      controller.abort(
        new DagflowError(ErrorCode.REQUEST_STOPPED, `Request '${requestKey}' was stopped.`),
      );
    }
  }
}
