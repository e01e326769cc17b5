import { type RequestState, withLiveEvent } from '@dagflow/server/contract';
import { EventSourceParserStream } from 'eventsource-parser/stream';

/** What following a request's live stream does with it. */
export interface FollowOptions {
  /** Called with the request's whole state: once at the start, then after each change. */
  readonly onState: (state: RequestState) => void;
  /** Ends the stream early; the follow then rejects. */
  readonly signal?: AbortSignal;
}

/** The stream is not one of request events, or ended before its request did. */
export class EventStreamError extends Error {}

/**
 * Reads the body of `GET /flow/:name/requests/:id/events` (Server-Sent Events): the request's state,
 * as the first `state` event and each later change (`nodes`, `request`, `state`) make it, goes to
 * `onState`; resolves with the request's final status at `end`.
 * @throws EventStreamError when the stream closes without an `end` event
 */
export async function readRequestEvents(
  body: ReadableStream<Uint8Array>,
  onState: (state: RequestState) => void,
): Promise<string> {
  const events = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onError: 'terminate' }));
  let state: RequestState | undefined;
  for await (const event of events) {
    const next = withLiveEvent(state, event.event ?? '', JSON.parse(event.data) as unknown);
    if (next !== undefined) onState((state = next));
    if (event.event === 'end') return (JSON.parse(event.data) as { status: string }).status;
  }
  throw new EventStreamError('The live stream closed before the request ended.');
}

/** Checks that `response` carries Server-Sent Events before it is read. */
export function assertEventStream(response: Response): ReadableStream<Uint8Array> {
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream') || response.body === null) {
    throw new EventStreamError(
      `The server answered ${type || 'no content type'}, not an event stream.`,
    );
  }
  return response.body;
}
