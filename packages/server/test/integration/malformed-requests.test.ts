import { connect } from 'node:net';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

/** What Node.js's own HTTP parser refuses answers the JSON error body of every other error. */
let service: FlowService | undefined;
let port = 0;

beforeAll(async () => {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, 'malformed'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi(),
  });
  await service.startServer();
  port = service.httpPort ?? 0;
});

afterAll(async () => {
  await service?.close();
});

/** Sends raw bytes and reads everything until the server closes the connection. */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.setTimeout(5_000, () => socket.destroy());
    socket.end(bytes);
  });
}

/** The last answer of a raw exchange: status, headers (lower case) and JSON body. */
function lastAnswer(text: string) {
  const answers = text.split(/(?=HTTP\/1\.1 \d{3} )/);
  const [head = '', body = ''] = (answers[answers.length - 1] ?? '').split('\r\n\r\n');
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => [
      line.slice(0, line.indexOf(':')).toLowerCase(),
      line.slice(line.indexOf(':') + 1).trim(),
    ]),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: JSON.parse(body) as unknown };
}

describe('requests the HTTP parser refuses', () => {
  it.each([
    ['an unknown method', 'FOO /flows HTTP/1.1\r\nHost: x\r\n\r\n'],
    ['a malformed request line', 'GET /flows HTTP/9\r\nHost: x\r\n\r\n'],
    ['a header name that is no token', 'GET /flows HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n'],
    [
      'Content-Length with Transfer-Encoding',
      'POST /flow/x HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    ],
    [
      'two Content-Lengths',
      'POST /flow/x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab',
    ],
    [
      'a malformed chunk',
      'POST /flow/x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
    ],
  ])('%s answers 400 BAD_REQUEST as JSON', async (_, bytes) => {
    const answer = lastAnswer(await raw(bytes));
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(answer.headers['connection']).toBe('close');
    expect(answer.body).toEqual({ error: { code: 'BAD_REQUEST', message: expect.any(String) } });
  });

  it('headers over the limit answer 431 HEADERS_TOO_LARGE as JSON', async () => {
    const answer = lastAnswer(
      await raw(`GET /flows HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
    );
    expect(answer.status).toBe(431);
    expect(answer.body).toMatchObject({ error: { code: 'HEADERS_TOO_LARGE' } });
  });

  it('answers a refused request after a good one on the same (kept-alive) connection', async () => {
    const text = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      let seen = '';
      socket.on('data', (chunk: Buffer) => {
        // Once the first answer is in, the next request on the connection is a malformed one.
        if (seen === '') socket.end('FOO / HTTP/1.1\r\n\r\n');
        seen += chunk.toString('latin1');
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(seen));
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    expect(text.startsWith('HTTP/1.1 200 OK')).toBe(true);
    expect(lastAnswer(text)).toMatchObject({
      status: 400,
      body: { error: { code: 'BAD_REQUEST' } },
    });
  });
});
