import { DagflowError, ErrorCode } from '@dagflow/flow';
import { encode } from '../format/codec.js';
import type { FlowPlan } from '../plan/flow-plan.js';
import type { Ending } from '../queue/request-ended.js';
import type { ControlCommand, StopReason } from '../store/state-results.js';
import { FlowReader } from './flow-reader.js';
import { planOfRequest } from '../client/request-api.js';
import { type ControlDeps, clientControlDeps, controlRequest } from '../client/request-control.js';
import { rerunFrom } from '../maintenance/rerun-from.js';
import type { ServiceResources } from '../resources/service-resources.js';
import type { RerunOptions } from '../client/request-options.js';
import { deliverSignal } from '../client/signals.js';
import { type EmitResult, emitEvent } from '../events/event-emit.js';
import {
  type SignalClaims,
  type SignalUrlOptions,
  signalByUrl,
  signalUrl,
  verifyToken,
} from '../events/signal-urls.js';

/**
 * The commands on one request of a {@link FlowClient}: pause, resume, stop, rerun, signals (also by
 * signed URL) and events. Every command is fenced in Redis, so it may come from any process.
 */
export class FlowCommands extends FlowReader {
  /**
   * Pauses a request: running nodes finish, ready successors are held instead of enqueued.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending or running
   */
  async pause(name: string, requestId: string): Promise<void> {
    await this.control(name, requestId, 'pause');
  }

  /**
   * Resumes a paused request: held steps are enqueued; completed nodes never run again.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless paused
   */
  async resume(name: string, requestId: string): Promise<void> {
    await this.control(name, requestId, 'resume');
  }

  /**
   * Stops a request: waiting jobs are removed, running handlers see `ctx.signal` aborted, no new node
   * starts, and compensations run.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless pending, running or paused
   */
  async stop(name: string, requestId: string): Promise<void> {
    await this.control(name, requestId, 'stop');
  }

  /**
   * Runs a failed or stopped request again from its failed and unfinished nodes, with the same id;
   * completed nodes keep their outputs and never run again. `input` replaces the failed nodes' input.
   * With `from` (a top-level node), a completed, failed or stopped request runs again from that node:
   * it and every node downstream of it run again (`input` replaces that node's input), nodes upstream
   * keep their outputs; the state records it in `reruns`.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `INVALID_TRANSITION` unless failed or
   *   stopped (with `from`: completed, failed or stopped), `UNKNOWN_NODE` for a `from` that is no
   *   top-level node
   * @example
   * ```ts
   * await client.rerun('kyc', requestId, { from: 'face-match', input: { threshold: 0.8 } });
   * ```
   */
  async rerun(name: string, requestId: string, options: RerunOptions = {}): Promise<void> {
    if (options.from !== undefined) {
      const plan = await planOfRequest(this.res, this.plans, name, requestId);
      const { from } = options;
      await rerunFrom(this.controlDeps(), plan, requestId, {
        from,
        ...('input' in options ? { input: options.input } : {}),
      });
      return;
    }
    await this.control(
      name,
      requestId,
      'input' in options ? { rerunWith: encode(options.input) } : 'rerun',
    );
  }

  /**
   * Delivers a signal to the signal node `signal` (its node path, e.g. `approve`) of a request: the node
   * completes with `payload` once reached (at once if it waits). Each signal node takes one signal.
   * @throws DagflowError `FLOW_NOT_FOUND`, `REQUEST_NOT_FOUND`, `SIGNAL_NOT_FOUND`,
   *   `SIGNAL_ALREADY_DELIVERED`
   * @example
   * ```ts
   * await client.signal('expense', requestId, 'approve', { by: 'ana' });
   * ```
   */
  async signal(name: string, requestId: string, signal: string, payload: unknown): Promise<void> {
    this.assertOpen();
    await deliverSignal(this.res, this.plans, { flow: name, requestId, signal }, payload);
  }

  /**
   * A URL that delivers the signal node `signal` of a request once, without a bearer token: `POST` to
   * it (the body is the payload) answers as `POST /flow/:name/requests/:id/signals/:signal` would.
   * Signed with the first key of `DAGFLOW_SIGNING_KEY`; expired, reused or altered URLs are refused
   * (`SIGNAL_URL_EXPIRED`, `SIGNAL_URL_USED`, `SIGNAL_URL_INVALID`).
   * @throws DagflowError `SIGNING_KEY_MISSING` when no signing key is configured, `INVALID_INPUT` for a bad
   *   expiry
   * @example
   * ```ts
   * const url = client.signalUrl('expense', requestId, 'approve', { expiresInMs: 3_600_000 });
   * ```
   */
  signalUrl(name: string, requestId: string, signal: string, options?: SignalUrlOptions): string {
    const { signing } = this.options;
    const listening = signing.publicUrlGiven ? undefined : this.listenUrl;
    const base = listening === undefined ? signing : { ...signing, publicUrl: listening };
    return signalUrl(base, { flow: name, requestId, signal }, options);
  }

  /** The HTTP server's URL on its listen address, in a service that started one. */
  protected get listenUrl(): string | undefined {
    return undefined;
  }

  /**
   * The claims of a signal URL's token (whom it signals, its key id), if one of the keys signed it
   * and it has not expired; nothing is read or written.
   * @throws DagflowError `SIGNAL_URL_INVALID`, `SIGNAL_URL_EXPIRED`
   */
  verifySignalUrl(token: string): SignalClaims {
    return verifyToken(this.options.signing, token);
  }

  /**
   * Delivers the signal a signal URL's token names (see {@link signalUrl}), once.
   * @throws DagflowError `SIGNAL_URL_INVALID`, `SIGNAL_URL_EXPIRED`, `SIGNAL_URL_USED`, and those of
   *   {@link signal}
   */
  async signalByUrl(token: string, payload: unknown): Promise<SignalClaims> {
    this.assertOpen();
    const { res, plans } = this;
    return signalByUrl({ res, plans, signing: this.options.signing }, token, payload);
  }

  /**
   * Emits an event: each step waiting for it (`dag.waitFor`) whose match its data satisfies
   * completes with `data`, once; the cost does not grow with the number of waiting steps.
   * @throws DagflowError `INVALID_INPUT` for an event name not of 1-100 `[A-Za-z0-9_.-]`
   * @example
   * ```ts
   * await client.emit('payment.succeeded', { orderId: 'o-17', cents: 1200 });
   * ```
   */
  async emit(event: string, data: unknown): Promise<EmitResult> {
    this.assertOpen();
    return emitEvent(this.res, this.plans, event, data);
  }

  /**
   * @internal Stops a live request with the engine's reason (a deadline, a newer singleton request);
   * false when it was not live (ended, unknown, or started when `reason.unstarted`).
   */
  protected async stopWith(name: string, requestId: string, reason: StopReason): Promise<boolean> {
    try {
      await this.control(name, requestId, { stopWith: reason });
      return true;
    } catch (error) {
      const code = error instanceof DagflowError ? error.code : undefined;
      if (code === ErrorCode.INVALID_TRANSITION || code === ErrorCode.REQUEST_NOT_FOUND)
        return false;
      throw error;
    }
  }

  /** @internal Aborts this process's running attempts of a stopped request (a client runs none). */
  protected abortRunning(_requestKey: string): void {}

  /** @internal Called when a lifecycle command ended a request (a service counts it in its metrics). */
  protected requestEnded(_flow: string, _ending: Ending): void {}

  protected async control(
    name: string,
    requestId: string,
    command: ControlCommand | { readonly rerunWith: string } | { readonly stopWith: StopReason },
  ): Promise<void> {
    const plan: FlowPlan = await planOfRequest(this.res, this.plans, name, requestId);
    await controlRequest(this.controlDeps(), plan, requestId, command);
  }

  protected controlDeps(): ControlDeps & { readonly res: ServiceResources } {
    return clientControlDeps(this.res, this.plans, {
      abortRunning: (key) => this.abortRunning(key),
      ended: (flow, ending) => this.requestEnded(flow, ending),
      control: (flow, id, command) => this.control(flow, id, command),
    });
  }
}
