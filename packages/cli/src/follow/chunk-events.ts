import { DagflowError, ErrorCode, type StreamChunk } from '@dagflow/engine';
import type { StreamChunkEvent } from '@dagflow/server/contract';
import { EventSourceParserStream } from 'eventsource-parser/stream';

/** How a chunk stream's body ended: at its `end` event, or broken off before it. */
export type ChunkStreamEnd = 'end' | 'broken';

/**
 * Reads the body of `GET /flow/:name/requests/:id/stream` (Server-Sent Events) as its consumer pulls:
 * yields each `chunk` (bytes, sent as base64, as a Buffer) and returns `'end'` at its `end` event, or
 * `'broken'` when the body closes before (the caller may resume after the last seq).
 * @throws DagflowError with the code of an `error` event (the server failed while streaming)
 */
export async function* chunkEvents(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<StreamChunk, ChunkStreamEnd, undefined> {
  const events = body
    .pipeThrough(new TextDecoderStream())
    .pipeThrough(new EventSourceParserStream({ onError: 'terminate' }));
  for await (const event of events) {
    if (event.event === 'end') return 'end';
    if (event.event === 'error') {
      const { code, message } = JSON.parse(event.data) as { code: ErrorCode; message: string };
      throw new DagflowError(code ?? ErrorCode.INTERNAL_ERROR, message);
    }
    if (event.event !== 'chunk') continue;
    const { node, attempt, seq, data, encoding } = JSON.parse(event.data) as StreamChunkEvent;
    yield {
      node,
      attempt,
      seq,
      data: encoding === 'base64' ? Buffer.from(String(data), 'base64') : data,
    };
  }
  return 'broken';
}
