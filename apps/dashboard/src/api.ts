import type {
  DagDescription,
  FlowInfo,
  NodeDetail,
  RequestPage,
  RequestState,
  RequestStatus,
} from './api-types.js';

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

async function call<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(path, init);
  const body = (await response.json().catch(() => undefined)) as
    { error?: { code: string; message: string } } | undefined;
  if (!response.ok) {
    const error = body?.error;
    throw new ApiError(
      error?.code ?? 'HTTP_ERROR',
      error?.message ?? response.statusText,
      response.status,
    );
  }
  return body as T;
}

const enc = encodeURIComponent;

/** The dagflow HTTP API, as the dashboard uses it (same origin). */
export const api = {
  flows: () => call<{ flows: FlowInfo[] }>('/flows').then((answer) => answer.flows),
  flow: (name: string) =>
    call<{ name: string; version: string; workers: Record<string, number>; dag: DagDescription }>(
      `/flows/${enc(name)}`,
    ),
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
  execute: (flow: string, body: string, json: boolean) =>
    call<{ requestId: string }>(`/flow/${enc(flow)}`, {
      method: 'POST',
      headers: { 'content-type': json ? 'application/json' : 'text/plain' },
      body,
    }),
  control: (flow: string, id: string, command: 'pause' | 'resume' | 'stop' | 'rerun') =>
    call<{ requestId: string; status: RequestStatus }>(
      `/flow/${enc(flow)}/requests/${enc(id)}/${command}`,
      { method: 'POST' },
    ),
};
