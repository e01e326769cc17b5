import type { FlowApi, StreamChunk } from '@dagflow/engine';
import type { StreamChunkEvent, StreamEndEvent } from '../contract/index.js';
import type { EventStream } from './event-stream.js';

/**
 * Sends a request's chunks as Server-Sent Events, `event: chunk` with `id: <seq>` each, as its
 * client takes them (a slow client slows the reading, no chunk piles up here), then `event: end`
 * with the request's status (the node's, for a stream of one node) and, with `withResult`, the
 * result of a completed request; then closes. The reading stops when the client goes away; a failure
 * once the stream is open ends it with `event: error` (`{ code, message }`).
 */
export async function sendChunks(
  service: FlowApi,
  events: EventStream,
  target: {
    readonly flow: string;
    readonly requestId: string;
    readonly node?: string | undefined;
    readonly from?: number | undefined;
    readonly withResult?: boolean;
  },
): Promise<void> {
  const { flow, requestId, node, from } = target;
  const stop = new AbortController();
  let open = true;
  events.onClose(() => {
    open = false;
    stop.abort();
  });
  const options = {
    signal: stop.signal,
    ...(node === undefined ? {} : { node }),
    ...(from === undefined ? {} : { from }),
  };
  try {
    for await (const chunk of service.stream(flow, requestId, options)) {
      events.sendWithId('chunk', String(chunk.seq), chunkEvent(chunk));
      await events.writable();
    }
    if (open) events.send('end', await endEvent(service, target));
  } catch (error) {
    // The answer has begun: a failure ends the stream with an `error` event (the client may resume).
    const { code = 'INTERNAL_ERROR', message = String(error) } = error as {
      code?: string;
      message?: string;
    };
    events.send('error', { code, message });
  }
  events.close();
}

function chunkEvent(chunk: StreamChunk): StreamChunkEvent {
  const { node, attempt, seq, data } = chunk;
  return data instanceof Uint8Array
    ? { node, attempt, seq, data: Buffer.from(data).toString('base64'), encoding: 'base64' }
    : { node, attempt, seq, data };
}

async function endEvent(
  service: FlowApi,
  target: { flow: string; requestId: string; node?: string | undefined; withResult?: boolean },
): Promise<StreamEndEvent> {
  const state = await service.state(target.flow, target.requestId);
  const status =
    target.node === undefined ? state.status : (state.nodes[target.node]?.status ?? state.status);
  if (target.withResult !== true || state.status !== 'completed') return { status };
  const result = await service.result(target.flow, target.requestId);
  return result instanceof Uint8Array
    ? { status, result: Buffer.from(result).toString('base64'), encoding: 'base64' }
    : { status, result };
}
