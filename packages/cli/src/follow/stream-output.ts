import type { StreamChunk } from '@dagflow/engine';
import type { CommandTarget } from '../command-target.js';

/**
 * `dagflow run --stream`: prints the request's chunks on stdout as they come (text as it is, bytes as
 * UTF-8, other values as JSON lines; with `json`, each chunk as a JSON line `{ node, attempt, seq,
 * data }`), then its end on stderr; answers exit code 0 when it completed, else 1.
 */
export async function printStream(
  target: CommandTarget,
  { flow, requestId, json }: { flow: string; requestId: string; json: boolean },
  io: { readonly out: (text: string) => void; readonly err: (text: string) => void },
): Promise<number> {
  io.err(`request ${requestId}\n`);
  for await (const chunk of target.stream(flow, requestId)) {
    io.out(json ? `${JSON.stringify(asJson(chunk))}\n` : asText(chunk.data));
  }
  const state = await target.state(flow, requestId);
  const error = state.error === undefined ? '' : `: ${state.error.message}`;
  io.err(`${json ? '' : '\n'}request ${state.status}${error}\n`);
  return state.status === 'completed' ? 0 : 1;
}

function asJson(chunk: StreamChunk): StreamChunk & { readonly encoding?: 'base64' } {
  return chunk.data instanceof Uint8Array
    ? { ...chunk, data: Buffer.from(chunk.data).toString('base64'), encoding: 'base64' }
    : chunk;
}

function asText(data: unknown): string {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return Buffer.from(data).toString('utf8');
  return `${JSON.stringify(data)}\n`;
}
