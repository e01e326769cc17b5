import type { ExecuteOptions, RequestState } from '../types/types.js';
import type { WaitOptions } from '../client/request-options.js';

/** What a {@link FlowHandle} calls: a `FlowClient` or `FlowService`. */
export interface FlowRequests {
  execute(name: string, input: unknown, options?: ExecuteOptions): Promise<string>;
  waitForResult(name: string, requestId: string, options?: WaitOptions): Promise<unknown>;
  result(name: string, requestId: string): Promise<unknown>;
  state(name: string, requestId: string): Promise<RequestState>;
}

/**
 * One flow's requests, typed with its input and result: what `FlowService.register` returns (typed
 * from a `typedFlow` or an `input` schema) and what `FlowClient.flow<I, R>(name)` gives a process that
 * only starts and watches requests. The types are the caller's promise; the `input` schema, where the
 * flow has one, checks the input at run time.
 *
 * @example
 * ```ts
 * const signup = service.register('signup', signupFlow);
 * const id = await signup.execute({ email: 'a@b.co' });
 * const result = await signup.waitForResult(id, { timeoutMs: 10_000 });
 * ```
 */
export class FlowHandle<Input, Result> {
  constructor(
    /** The flow's name. */
    readonly name: string,
    private readonly requests: FlowRequests,
  ) {}

  /**
   * Starts a request; see `FlowClient.execute`.
   * @throws DagflowError `INVALID_INPUT` (with `details.issues`) when the input fails the flow's schema
   */
  execute(input: Input, options?: ExecuteOptions): Promise<string> {
    return this.requests.execute(this.name, input, options);
  }

  /**
   * Waits for the request's result; see `FlowClient.waitForResult`.
   * @throws DagflowError `REQUEST_FAILED`, `WAIT_TIMEOUT`, `REQUEST_NOT_FOUND`
   */
  async waitForResult(requestId: string, options?: WaitOptions): Promise<Result> {
    return (await this.requests.waitForResult(this.name, requestId, options)) as Result;
  }

  /**
   * The result of a completed request; see `FlowClient.result`.
   * @throws DagflowError `REQUEST_NOT_FOUND`, `REQUEST_NOT_FINISHED`, `REQUEST_FAILED`
   */
  async result(requestId: string): Promise<Result> {
    return (await this.requests.result(this.name, requestId)) as Result;
  }

  /**
   * The request's state; see `FlowClient.state`.
   * @throws DagflowError `REQUEST_NOT_FOUND`
   */
  state(requestId: string): Promise<RequestState> {
    return this.requests.state(this.name, requestId);
  }
}
