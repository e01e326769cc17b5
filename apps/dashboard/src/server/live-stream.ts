import type { RequestState } from '@dagflow/server/contract';
import { storedToken } from './session.js';

/** One Server-Sent Event: its name and its JSON payload. */
export interface LiveEvent {
  readonly event: string;
  readonly data: unknown;
}

/**
 * The request's state after one event of its live stream: a `state` event replaces it, `nodes` replaces
 * the nodes it carries, `request` the request's status (and end time and error); other events leave it
 * as it was (answers undefined). The same rule as the contract's `withLiveEvent`, which the dashboard
 * cannot import (types only from the server).
 */
export function withLiveEvent(
  state: RequestState | undefined,
  event: string,
  data: unknown,
): RequestState | undefined {
  if (event === 'state') return data as RequestState;
  if (state === undefined) return undefined;
  if (event === 'nodes') {
    const { nodes } = data as Pick<RequestState, 'nodes'>;
    return { ...state, nodes: { ...state.nodes, ...nodes } };
  }
  if (event === 'request') return { ...state, ...(data as Partial<RequestState>) };
  return undefined;
}

/**
 * Whether pages fall back to polling when a live stream is unavailable; `?poll=off` in the
 * dashboard's URL turns it off (the browser tests do, to prove the pushed updates).
 */
export function pollingAllowed(): boolean {
  return new URLSearchParams(location.search).get('poll') !== 'off';
}

/**
 * Reads a Server-Sent Events stream of the API (through `fetch`, which can send the bearer token that
 * `EventSource` cannot). `onEnd` runs once when the stream ends or fails, with the error if it failed.
 * Answers a function that closes the stream.
 */
export function liveStream(
  path: string,
  onEvent: (event: LiveEvent) => void,
  onEnd: (error?: Error) => void,
): () => void {
  const controller = new AbortController();
  const headers = new Headers({ accept: 'text/event-stream' });
  const token = storedToken();
  if (token !== undefined) headers.set('authorization', `Bearer ${token}`);
  void read(fetch(path, { headers, signal: controller.signal }), onEvent).then(
    () => onEnd(),
    (error: Error) => {
      if (!controller.signal.aborted) onEnd(error);
    },
  );
  return () => controller.abort();
}

async function read(answer: Promise<Response>, onEvent: (event: LiveEvent) => void): Promise<void> {
  const response = await answer;
  if (!response.ok || response.body === null)
    throw new Error(`live updates unavailable (HTTP ${response.status})`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const frame = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = parseFrame(frame);
      if (event !== undefined) onEvent(event);
    }
  }
}

/** One frame (`event:` and `data:` lines); comments (`: keep-alive`) are none. */
export function parseFrame(frame: string): LiveEvent | undefined {
  let event = 'message';
  const data: string[] = [];
  for (const line of frame.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  return data.length === 0 ? undefined : { event, data: JSON.parse(data.join('\n')) as unknown };
}
