import type { FlowClient, NodeState, RequestState, RequestStatus } from '@dagflow/engine';

/** One node of a request, as a test checks it: its state (status, attempts, timings) and its data. */
export interface NodeOutcome extends NodeState {
  /** Its input, once its parents gave it. */
  readonly input?: unknown;
  /** Its output, once stored. */
  readonly output?: unknown;
  /** `finishedAt - startedAt` (virtual ms, so skipped time counts), once both are known. */
  readonly durationMs?: number;
}

/** A request as `TestEnv.run` and `TestEnv.outcome` answer it. */
export interface RunOutcome<Result = unknown> {
  readonly requestId: string;
  readonly status: RequestStatus;
  /** The flow's result, once the request completed. */
  readonly result?: Result;
  /** The request's whole state (timings are on the environment's virtual clock). */
  readonly state: RequestState;
  /** Every node the state lists, by path. */
  readonly nodes: Readonly<Record<string, NodeOutcome>>;
}

/** Reads a request's state, its result once completed and each node's input and output. */
export async function readOutcome<Result>(
  client: FlowClient,
  flow: string,
  requestId: string,
): Promise<RunOutcome<Result>> {
  const state = await client.state(flow, requestId);
  const entries = await Promise.all(
    Object.entries(state.nodes).map(async ([path, node]) => {
      const detail = await client.nodeDetail(flow, requestId, path);
      const { startedAt, finishedAt } = node;
      const outcome: NodeOutcome = {
        ...node,
        ...('input' in detail ? { input: detail.input } : {}),
        ...('output' in detail ? { output: detail.output } : {}),
        ...(startedAt === undefined || finishedAt === undefined
          ? {}
          : { durationMs: finishedAt - startedAt }),
      };
      return [path, outcome] as const;
    }),
  );
  return {
    requestId,
    status: state.status,
    ...(state.status === 'completed'
      ? { result: (await client.result(flow, requestId)) as Result }
      : {}),
    state,
    nodes: Object.fromEntries(entries),
  };
}
