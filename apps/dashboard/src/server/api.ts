import type {
  BulkProgressAnswer,
  ControlResponse,
  DagDescription,
  ErrorResponse,
  ExecuteResponse,
  FlowDetailResponse,
  FlowListResponse,
  FlowVersionListResponse,
  NodeDetail,
  RequestPage,
  RequestState,
  RequestStatus,
  ScheduleListResponse,
  SignalResponse,
  WhoAmIResponse,
  WorkerListResponse,
} from '@dagflow/server/contract';
import { storedToken } from './session.js';

/** The body of a bulk action (`POST /flow/:name/requests/bulk`). */
export interface BulkBody {
  readonly action: 'stop' | 'rerun' | 'resume' | 'delete';
  readonly filter: { readonly status?: RequestStatus; readonly createdAfter?: number };
  readonly dryRun?: boolean;
}

/** An error answered by the HTTP API: its stable code and message. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** Fired on `window` when the API answers 401: the page then asks for a token. */
export const UNAUTHENTICATED_EVENT = 'dagflow:unauthenticated';

async function call<T>(path: string, init: RequestInit = {}, token = storedToken()): Promise<T> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(path, { ...init, headers });
  const body = (await response.json().catch(() => undefined)) as Partial<ErrorResponse> | undefined;
  if (!response.ok) {
    const error = body?.error;
    if (response.status === 401) window.dispatchEvent(new Event(UNAUTHENTICATED_EVENT));
    const message = error?.message ?? response.statusText;
    throw new ApiError(
      error?.code ?? 'HTTP_ERROR',
      response.status === 403 ? `Your token's role may not do this: ${message}` : message,
      response.status,
    );
  }
  return body as T;
}

const enc = encodeURIComponent;

/** The dagflow HTTP API, as the dashboard uses it (same origin). */
export const api = {
  /** The role of `token` (by default the session's); 401 when it is not accepted. */
  whoami: (token?: string) => call<WhoAmIResponse>('/auth/whoami', {}, token ?? storedToken()),
  flows: () => call<FlowListResponse>('/flows').then((answer) => answer.flows),
  workers: () => call<WorkerListResponse>('/workers').then((answer) => answer.workers),
  flow: (name: string) => call<FlowDetailResponse>(`/flows/${enc(name)}`),
  schedules: (name: string) =>
    call<ScheduleListResponse>(`/flows/${enc(name)}/schedules`).then((answer) => answer.schedules),
  /** The DAG description of one published version of a flow (a request keeps its version's shape). */
  flowVersion: (name: string, version: string) =>
    call<DagDescription>(`/flows/${enc(name)}/versions/${enc(version)}`),
  /** A flow's published versions, newest first, with their live requests. */
  versions: (name: string) =>
    call<FlowVersionListResponse>(`/flows/${enc(name)}/versions`).then((answer) => answer.versions),
  requests: (
    flow: string,
    options: { status?: RequestStatus | ''; cursor?: string; limit?: number },
  ) => {
    const query = new URLSearchParams();
    if (options.status) query.set('status', options.status);
    if (options.cursor) query.set('cursor', options.cursor);
    query.set('limit', String(options.limit ?? 25));
    return call<RequestPage>(`/flow/${enc(flow)}/requests?${query}`);
  },
  state: (flow: string, id: string) => call<RequestState>(`/flow/${enc(flow)}/requests/${enc(id)}`),
  node: (flow: string, id: string, path: string) =>
    call<NodeDetail>(`/flow/${enc(flow)}/requests/${enc(id)}/nodes/${enc(path)}`),
  /** A completed request's result (a binary result reads as `undefined`). */
  result: (flow: string, id: string) =>
    call<unknown>(`/flow/${enc(flow)}/requests/${enc(id)}/result`),
  execute: (flow: string, body: string, json: boolean) =>
    call<ExecuteResponse>(`/flow/${enc(flow)}`, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'text/plain' },
      body,
    }),
  /** Delivers a signal (a JSON payload) to a signal node of a request. */
  signal: (flow: string, id: string, node: string, payload: string) =>
    call<SignalResponse>(`/flow/${enc(flow)}/requests/${enc(id)}/signals/${enc(node)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: payload,
    }),
  /** Starts a bulk action on every request the filter matches, or only counts them (`dryRun`). */
  bulk: (flow: string, body: BulkBody) =>
    call<{ readonly id?: string; readonly matched?: number }>(`/flow/${enc(flow)}/requests/bulk`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  /** A bulk action's progress. */
  bulkProgress: (flow: string, id: string) =>
    call<BulkProgressAnswer>(`/flow/${enc(flow)}/requests/bulk/${enc(id)}`),
  control: (flow: string, id: string, command: 'pause' | 'resume' | 'stop' | 'rerun') =>
    call<ControlResponse>(`/flow/${enc(flow)}/requests/${enc(id)}/${command}`, {
      method: 'POST',
    }),
};
