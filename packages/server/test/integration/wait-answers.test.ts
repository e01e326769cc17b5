import type { FlowService } from '@dagflow/engine';
import { afterEach, expect, it } from 'vitest';
import { httpService } from './http-service.js';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** The status, content type and bytes of an answer. */
async function answer(res: Response): Promise<[number, string | null, Buffer]> {
  return [res.status, res.headers.get('content-type'), Buffer.from(await res.arrayBuffer())];
}

// `?wait=` answers the stored JSON text as it is (`waitForResultText`); the result route decodes the
// output and writes its JSON again: both must send the same bytes.
it('answers ?wait= with the bytes the result route sends, for JSON, text and binary results', async () => {
  service = httpService(import.meta.url);
  service.register('echo', (dag) => dag.node('same', (input: unknown) => input));
  service.register('nested', (dag) =>
    dag.node('same', (input: string) => ({ text: input, bytes: Buffer.from(input) })),
  );
  await service.start();
  const base = `http://127.0.0.1:${service.httpPort}`;
  const bodies: [string, string, string | Buffer][] = [
    ['echo', 'application/json', JSON.stringify({ a: [1, 2.5, 'é', { '2': null }], b: '\u2028' })],
    ['echo', 'text/plain', 'hallo "quoted" \u0000 nul'],
    ['echo', 'application/json', '12345678901234567890'],
    ['echo', 'application/octet-stream', Buffer.from([0, 1, 2, 253, 254, 255])],
    ['nested', 'text/plain', 'hi'],
  ];
  for (const [flow, type, body] of bodies) {
    const waited = await fetch(`${base}/flow/${flow}?wait=5`, {
      method: 'POST',
      body,
      headers: { 'content-type': type },
    });
    const id = waited.headers.get('x-request-id') ?? '';
    const [status, waitedType, waitedBytes] = await answer(waited);
    expect(status).toBe(200);
    const read = await answer(await fetch(`${base}/flow/${flow}/requests/${id}/result`));
    expect([status, waitedType, waitedBytes.toString('base64')]).toEqual([
      read[0],
      read[1],
      read[2].toString('base64'),
    ]);
  }
});
