import type { RedisClient } from '../../infra/redis-connection.js';
import type { RequestKeys } from '../../format/keys.js';
import { ChunkField } from '../../format/layout.js';
import { decode } from '../../format/codec.js';

/** One chunk of a request's stream, as a handler emitted it (`ctx.emit`). */
export interface StreamChunk {
  /** The path of the node that emitted it. */
  readonly node: string;
  /** The node's attempt that emitted it (1-based): a retried node's chunks carry their attempt. */
  readonly attempt: number;
  /** Its place in the request's stream: 1 for the first chunk of the request, then one more each. */
  readonly seq: number;
  /** The chunk, as emitted (JSON value, string or bytes as a Buffer). */
  readonly data: unknown;
}

type Entry = [id: string, fields: string[]];

/** The chunks of a request's stream after seq `after`, at most `count`, oldest first. */
export async function readChunks(
  redis: RedisClient,
  keys: RequestKeys,
  after: number,
  count: number,
): Promise<StreamChunk[]> {
  const entries = (await redis.xrange(keys.stream, `(0-${after}`, '+', 'COUNT', count)) as Entry[];
  return entries.map(([id, fields]) => chunkOf(id, fields));
}

function chunkOf(id: string, fields: readonly string[]): StreamChunk {
  let node = '';
  let attempt = 0;
  let data: unknown = null;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const value = fields[i + 1] as string;
    const name = fields[i];
    if (name === ChunkField.node) node = value;
    else if (name === ChunkField.attempt) attempt = Number(value);
    else if (name === ChunkField.data) data = decode(value);
  }
  return { node, attempt, seq: Number(id.slice(id.indexOf('-') + 1)), data };
}
