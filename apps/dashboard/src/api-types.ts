/** The JSON shapes of the dagflow HTTP API the dashboard reads (types only; nothing of the engine runs here). */
export type {
  AttemptLog,
  DagDescription,
  FlowInfo,
  NodeDescription,
  NodeDetail,
  NodeError,
  NodeState,
  NodeStatus,
  RequestPage,
  RequestState,
  RequestStatus,
  RequestSummary,
  RunningNode,
  WorkerInfo,
} from '@dagflow/engine';
