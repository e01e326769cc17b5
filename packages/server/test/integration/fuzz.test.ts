import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { METHODS } from 'node:http';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { ROUTE_ACCESS } from '@dagflow/server';
import { freePort, startWorkerProcess, testPrefix, waitFor } from '@dagflow/test-utils';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';

/**
 * A seeded HTTP fuzz test: generated requests (malformed paths, bodies, encodings, content types and
 * headers, every method on every route) against a server running as its own process, sent over raw
 * sockets; then an authenticated phase against a second server with tokens, whose requests carry the
 * valid token of a random role and aim at every route of the route table, while a one-node `?wait=`
 * call is timed in a loop. `DAGFLOW_FUZZ_SEED` replays a run, `DAGFLOW_FUZZ_COUNT` and
 * `DAGFLOW_FUZZ_AUTH_COUNT` scale the phases, `DAGFLOW_FUZZ_LONG=1` runs both about ten times longer.
 */
const SEED = Number(process.env['DAGFLOW_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const LONG = process.env['DAGFLOW_FUZZ_LONG'] === '1';
const COUNT = Number(process.env['DAGFLOW_FUZZ_COUNT'] ?? (LONG ? 12_000 : 1_200));
const AUTH_COUNT = Number(process.env['DAGFLOW_FUZZ_AUTH_COUNT'] ?? (LONG ? 15_000 : 1_500));
/**
 * The bound on the p99 latency of a one-node `?wait=` call while the authenticated phase runs: such a
 * call takes 5-30 ms on an idle 2-core machine and under 200 ms while the fuzz loads it; a server
 * stalled by what a token holder sends (a stream re-reading a large state, a blocking Redis command)
 * takes seconds. `DAGFLOW_FUZZ_P99_MS` changes it.
 */
const P99_BOUND_MS = Number(process.env['DAGFLOW_FUZZ_P99_MS'] ?? 1_000);
const PARALLEL = 16;

/** Error codes documented in docs/errors.md: every JSON error must carry one. */
const DOCUMENTED = new Set(
  [
    ...readFileSync(new URL('../../../../docs/errors.md', import.meta.url), 'utf8').matchAll(
      /^### ([A-Z_]+)$/gm,
    ),
  ].map((match) => match[1]),
);

/**
 * What Node's own HTTP parser refuses before any route sees the request answers a JSON error like every
 * other (400 `BAD_REQUEST`, 431 `HEADERS_TOO_LARGE`). A `CONNECT` (and an `Upgrade`) nobody listens for
 * ends the connection without an answer, and so may a request the parser rejects while its body is
 * still being sent (the reset can overtake the 400).
 */

/**
 * A server may answer a request it refuses before reading its body (a malformed path, an unknown route)
 * and close the connection; while a large body is still being sent, TCP's reset can then drop that
 * answer on the client's side. Such a reset, for bodies over this size, is not held against the server.
 */
const EARLY_ANSWER_BODY = 64 * 1024;

/**
 * Whether Node's parser rejects the request before dagflow sees it, for what the generator makes
 * invalid: a method Node does not know (`FOO`, lower case), a target with raw spaces, control or
 * non-ASCII bytes, a header name that is no token, control bytes in a header value, an extra
 * `Content-Length`, or a head over 16 KiB.
 */
function parserRejects(request: Generated): boolean {
  const headBytes = request.headers.reduce(
    (sum, [name, value]) => sum + name.length + value.length + 4,
    request.target.length + 64,
  );
  return (
    !METHODS.includes(request.method) ||
    headBytes > 16 * 1024 ||
    [...request.target].some((byte) => byte <= 0x20 || byte >= 0x7f) ||
    request.headers.some(
      ([name, value]) =>
        name === 'Content-Length' ||
        /[^\x21-\x7e]/.test(name) ||
        [...Buffer.from(value)].some((byte) => (byte < 0x20 && byte !== 0x09) || byte === 0x7f),
    )
  );
}

let port = 0;
let dashboard = '';
let server: ReturnType<typeof startWorkerProcess> | undefined;
const prefix = testPrefix(import.meta.url, 'fuzz');

beforeAll(async () => {
  port = await freePort();
  // A stand-in dashboard build, so that the static files are fuzzed too.
  dashboard = mkdtempSync(join(tmpdir(), 'dagflow-fuzz-'));
  writeFileSync(join(dashboard, 'index.html'), '<!doctype html><title>dagflow</title>');
  writeFileSync(join(dashboard, '.secret'), 'dot files are not served');
  server = startWorkerProcess(new URL('../fixtures/fuzz-server.mjs', import.meta.url).pathname, {
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: prefix,
    PORT: String(port),
    DAGFLOW_DASHBOARD_DIR: dashboard,
  });
  await server.ready;
});

afterAll(async () => {
  await server?.stop();
  if (dashboard !== '') rmSync(dashboard, { recursive: true, force: true });
});

/** mulberry32: a small seeded PRNG. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A raw HTTP answer; `status` 0 when the connection closed without one. */
interface Answer {
  readonly status: number;
  /** Whether the server reset the connection (ECONNRESET, EPIPE). */
  readonly reset?: boolean;
  readonly headers: Map<string, string>;
  readonly body: Buffer;
}

/** How long a live stream (`text/event-stream`, which the server never ends) is read before it is cut. */
const STREAM_READ_MS = 300;

/**
 * Sends raw request bytes on a new connection (to `toPort`, the first server's by default) and reads
 * the answer until the server closes it, or for {@link STREAM_READ_MS} once it turns out a live stream.
 */
function sendRaw(bytes: Buffer, toPort = port): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect(toPort, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within 15 s'));
    }, 15_000);
    let headRead = false;
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      if (headRead) return;
      // The final answer's head (after any 100 Continue) says whether it is a live stream.
      const received = Buffer.concat(chunks);
      let at = 0;
      while (
        received
          .subarray(at, at + 12)
          .toString('latin1')
          .startsWith('HTTP/1.1 1')
      ) {
        const interimEnd = received.indexOf('\r\n\r\n', at);
        if (interimEnd < 0) return;
        at = interimEnd + 4;
      }
      const end = received.indexOf('\r\n\r\n', at);
      if (end < 0) return;
      headRead = true;
      const head = received.subarray(at, end).toString('latin1');
      if (/^content-type: *text\/event-stream/im.test(head))
        setTimeout(() => socket.destroy(), STREAM_READ_MS);
    });
    let reset = false;
    socket.on('error', () => (reset = true));
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ ...parseAnswer(Buffer.concat(chunks)), reset });
    });
    socket.write(bytes);
  });
}

function parseAnswer(raw: Buffer): Answer {
  // Interim answers (100 Continue) come before the final one.
  while (raw.subarray(0, 12).toString('latin1').startsWith('HTTP/1.1 1')) {
    raw = raw.subarray(raw.indexOf('\r\n\r\n') + 4);
  }
  const end = raw.indexOf('\r\n\r\n');
  if (raw.length === 0 || end < 0) return { status: 0, headers: new Map(), body: raw };
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  let body = raw.subarray(end + 4);
  if (headers.get('transfer-encoding') === 'chunked') body = unchunk(body);
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}

function unchunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < body.length) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    at = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** One generated request. */
interface Generated {
  readonly method: string;
  readonly target: Buffer;
  readonly headers: readonly (readonly [string, Buffer | string])[];
  readonly body: Buffer;
  /** Send `Transfer-Encoding: chunked` instead of `Content-Length`. */
  readonly chunked: boolean;
  /** The row of the route table it aims at (`GET /flow/:name`), in the authenticated phase. */
  readonly route?: string;
}

function encodeRequest(request: Generated): Buffer {
  const head: Buffer[] = [
    Buffer.from(`${request.method} `, 'latin1'),
    request.target,
    Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n', 'latin1'),
  ];
  for (const [name, value] of request.headers)
    head.push(Buffer.from(`${name}: `, 'latin1'), Buffer.from(value), Buffer.from('\r\n'));
  if (request.chunked) {
    head.push(Buffer.from('Transfer-Encoding: chunked\r\n\r\n'));
    if (request.body.length > 0)
      head.push(
        Buffer.from(`${request.body.length.toString(16)}\r\n`),
        request.body,
        Buffer.from('\r\n'),
      );
    head.push(Buffer.from('0\r\n\r\n'));
  } else {
    head.push(Buffer.from(`Content-Length: ${request.body.length}\r\n\r\n`), request.body);
  }
  return Buffer.concat(head);
}

/** The request generator for one seed. */
function generator(random: () => number) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => random() < p;

  const segments = (): string =>
    pick([
      'echo',
      'slow',
      'intact',
      'nope',
      '__proto__',
      'constructor',
      'prototype',
      'toString',
      '%ZZ',
      '%E0%A4%A',
      '%FF%FE',
      '%',
      '%0',
      '%00',
      '%2F',
      '%5B0%5D',
      'a%20b',
      encodeURIComponent('ünïcødé-🚀'),
      'ünïcødé',
      '\u0001ctl',
      'tab\there',
      'x'.repeat(int(3) === 0 ? 20_000 : 300),
      'each[1]',
      'a:b',
      '..',
      '.',
      '',
      `r-${int(1000)}`,
      `${int(1e9).toString(36)}-${int(1e9).toString(36)}`,
    ]);
  const routes: readonly (() => string)[] = [
    () => `/flow/${segments()}`,
    () => '/flows',
    () => `/flows/${segments()}`,
    () => `/flow/${segments()}/requests`,
    () => `/flow/${segments()}/requests/${segments()}`,
    () => `/flow/${segments()}/requests/${segments()}/nodes/${segments()}`,
    () => `/flow/${segments()}/requests/${segments()}/result`,
    () =>
      `/flow/${segments()}/requests/${segments()}/${pick(['pause', 'resume', 'stop', 'rerun'])}`,
    () => `/admin/flows/${segments()}/steps`,
    () => `/admin/flows/${segments()}/steps/${segments()}`,
    () => '/metrics',
    () => '/healthz',
    () => '/',
    () => `/dashboard/${segments()}`,
    () =>
      pick([
        '/dashboard',
        '/dashboard/',
        '/dashboard/index.html',
        '/dashboard/.secret',
        '/dashboard/%2e%2e/%2e%2e/etc/passwd',
        '/dashboard/..%2F..%2Fpackage.json',
      ]),
    () => `/${segments()}/${segments()}`,
    () => pick(['*', '//', '/flow//requests', 'http://127.0.0.1/flows', '/flows?', '/%']),
  ];
  const queries = (): string =>
    pick([
      '',
      '',
      `?wait=${pick(['0.05', '0.3', '-1', '0', 'abc', '301', '1e400', ''])}`,
      '?wait=0.1&wait=0.2',
      `?status=${pick(['running', 'completed', 'bogus', '__proto__', ''])}`,
      `?limit=${pick(['1', '0', '-5', '1000', 'x', '1e9'])}&cursor=${pick(['', '1_x', 'bad', '%ZZ'])}`,
      '?__proto__[x]=1&constructor=2',
      '?a=%FF%FE&b=\u00e9',
    ]);
  const json = (depth: number): unknown =>
    depth <= 0
      ? pick([1, -0.5, 'text', 'ünï\u0000', null, true, 1e308])
      : chance(0.5)
        ? Array.from({ length: int(3) }, () => json(depth - 1))
        : Object.fromEntries(
            Array.from({ length: int(3) }, () => [
              pick(['a', '__proto__', 'constructor', 'id', 'op', 'nodes']),
              json(depth - 1),
            ]),
          );
  const bodies = (): Buffer =>
    pick<() => Buffer>([
      () => Buffer.alloc(0),
      () => Buffer.from(JSON.stringify(json(int(5)))),
      () => Buffer.from('{"unterminated": ['),
      () => Buffer.from('['.repeat(int(2) === 0 ? 1_000 : 70_000)),
      () => Buffer.from(`${'['.repeat(100)}${']'.repeat(100)}`),
      () => Buffer.from('- '.repeat(2_000)),
      () =>
        Buffer.from(`${Array.from({ length: 200 }, (_, i) => `${' '.repeat(i)}k:`).join('\n')}\n`),
      () =>
        Buffer.from(
          `a: &a [x, x, x]\n${Array.from({ length: 150 }, (_, i) => `k${i}: *a`).join('\n')}\n`,
        ),
      () => Buffer.from('name: fz\nnodes: [{ id: __proto__, op: http }]\n'),
      () =>
        Buffer.from(
          JSON.stringify({ name: `fz-${int(50)}`, nodes: [{ id: 'constructor', op: 'http' }] }),
        ),
      () =>
        Buffer.from(
          JSON.stringify({
            name: `fz-${int(50)}`,
            nodes: [{ id: 'a', op: 'publish', with: { queue: 'q' } }],
          }),
        ),
      () => Buffer.from(JSON.stringify({ op: pick(['nope', '', 1]), id: segments() })),
      () => Buffer.from(Array.from({ length: 1 + int(2_000) }, () => int(256))),
      () => Buffer.alloc(1024 * 1024 + 1 + int(1024 * 1024), 'a'),
      () => gzipSync(Buffer.from(JSON.stringify(json(3)))),
      () => gzipSync(Buffer.from('['.repeat(5_000))),
      () => gzipSync(Buffer.alloc(3 * 1024 * 1024, '1')),
      () => gzipSync(Buffer.from('hello')).subarray(0, 12),
      () => Buffer.from('\u0000\u0001\u0002\ufeff\ud800', 'utf8'),
      () => Buffer.from(String(int(300))),
    ])();
  const contentTypes = (): string =>
    pick([
      'application/json',
      'application/json; charset=utf-8',
      'application/json; charset=utf-16',
      'application/vnd.api+json',
      'application/yaml',
      'text/yaml',
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      '',
      ';;;',
      'application/json'.repeat(200),
      'ÿ/ÿ',
    ]);
  const headers = (): [string, Buffer | string][] => {
    const list: [string, Buffer | string][] = [];
    if (chance(0.8)) list.push(['Content-Type', contentTypes()]);
    if (chance(0.25))
      list.push([
        'Content-Encoding',
        pick(['gzip', 'deflate', 'br', 'zz', 'gzip, gzip', 'identity', 'GZIP']),
      ]);
    if (chance(0.2))
      list.push([
        'X-Request-Id',
        pick<Buffer | string>([
          'ok-1',
          'x'.repeat(200),
          '__proto__',
          Buffer.from('ünï', 'utf8'),
          'a b',
          '../x',
          `${int(1e9).toString(36)}-${int(1e9).toString(36)}`,
        ]),
      ]);
    if (chance(0.05)) list.push(['Bad Header', 'x']);
    if (chance(0.05)) list.push(['X-Ctl', Buffer.from([0x41, 0x01, 0x42])]);
    if (chance(0.05)) list.push(['X-Big', 'y'.repeat(20_000)]);
    if (chance(0.05)) list.push(['Expect', '100-continue']);
    if (chance(0.03)) list.push(['Upgrade', 'websocket'], ['Connection', 'upgrade']);
    if (chance(0.03)) list.push(['Content-Length', pick(['abc', '-1', '1'])]);
    if (chance(0.05)) list.push(['Accept', pick(['*/*', 'text/html', '\u00ff'])]);
    return list;
  };
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];

  const flow = () => pick(['echo', 'slow', 'echo', 'intact', 'nope']);
  /** Requests with the method their route takes, on flows that exist: they reach the handlers. */
  const targeted: readonly (readonly [string, () => string])[] = [
    ['POST', () => `/flow/${flow()}`],
    ['POST', () => '/flows'],
    ['GET', () => `/flows/${flow()}`],
    ['GET', () => `/flow/${flow()}/requests`],
    ['GET', () => `/flow/${flow()}/requests/${segments()}`],
    ['GET', () => `/flow/${flow()}/requests/${segments()}/nodes/${segments()}`],
    ['GET', () => `/flow/${flow()}/requests/${segments()}/result`],
    [
      'POST',
      () => `/flow/${flow()}/requests/${segments()}/${pick(['pause', 'resume', 'stop', 'rerun'])}`,
    ],
    ['POST', () => `/admin/flows/${pick(['echo', 'nope'])}/steps`],
    ['PUT', () => `/admin/flows/${pick(['echo', 'nope'])}/steps/${segments()}`],
  ];

  return (): Generated => {
    const aimed = chance(0.5) ? pick(targeted) : undefined;
    const method =
      aimed?.[0] ??
      (chance(0.04)
        ? pick(['TRACE', 'PROPFIND', 'FOO', 'get', 'CONNECT', 'M-SEARCH'])
        : pick(methods));
    const path = (aimed?.[1] ?? pick(routes))() + queries();
    // Mostly encode what is not plain ASCII; sometimes send raw bytes as they come.
    const target = chance(0.85)
      ? Buffer.from(encodeURI(path).replace(/%25/g, '%'), 'latin1')
      : Buffer.from(path, 'utf8');
    const withBody = method !== 'GET' && method !== 'HEAD' ? chance(0.9) : chance(0.1);
    return {
      method,
      target,
      headers: headers(),
      body: withBody ? bodies() : Buffer.alloc(0),
      chunked: chance(0.15),
    };
  };
}

/** A request in a line: method, target, headers, body size. */
function describeRequest(request: Generated): string {
  const headers = request.headers.map(
    ([name, value]) => `${name}: ${value.toString().slice(0, 40)}`,
  );
  return `${request.method} ${request.target.toString('latin1').slice(0, 120)} ${JSON.stringify(headers)} body ${request.body.length}${request.chunked ? ' chunked' : ''}`;
}

/** What is wrong with an answer, or undefined when it is acceptable. */
function problemOf(request: Generated, answer: Answer): string | undefined {
  const connectLike =
    request.method === 'CONNECT' || request.headers.some(([name]) => name === 'Upgrade');
  if (answer.status === 0) {
    const earlyAnswer = answer.reset === true && request.body.length > EARLY_ANSWER_BODY;
    return connectLike || parserRejects(request) || earlyAnswer ? undefined : 'no answer';
  }
  if (answer.status >= 500)
    return `status ${answer.status}: ${answer.body.toString().slice(0, 300)}`;
  if (answer.status < 400) return undefined;
  const type = answer.headers.get('content-type') ?? '';
  if (!type.startsWith('application/json'))
    return `status ${answer.status} without a JSON error (${type})`;
  if (request.method === 'HEAD') return undefined;
  let code: unknown;
  try {
    code = (JSON.parse(answer.body.toString('utf8')) as { error?: { code?: unknown } }).error?.code;
  } catch {
    return `status ${answer.status} with a body that is not JSON`;
  }
  if (typeof code !== 'string' || !DOCUMENTED.has(code)) return `undocumented code ${String(code)}`;
  if (answer.status === 405 && !answer.headers.has('allow')) return '405 without Allow';
  return undefined;
}

it(`survives ${COUNT} generated requests (seed ${SEED})`, { timeout: 120_000 }, async () => {
  console.log(`HTTP fuzz: DAGFLOW_FUZZ_SEED=${SEED} DAGFLOW_FUZZ_COUNT=${COUNT}`);
  const base = `http://127.0.0.1:${port}`;
  // Requests started before the fuzz must end intact, with their correct results.
  const intact = await Promise.all(
    Array.from({ length: 12 }, async (_, i) => {
      const n = 5 + i * 3;
      const response = await fetch(`${base}/flow/intact`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ n, delayMs: 50 * i }),
      });
      const { requestId } = (await response.json()) as { requestId: string };
      return { requestId, expected: n * (n + 1) + n };
    }),
  );

  const next = generator(prng(SEED));
  const requests = Array.from({ length: COUNT }, () => next());
  const problems: string[] = [];
  const statuses = new Map<number, number>();
  let fivexx = 0;
  for (let start = 0; start < requests.length; start += PARALLEL) {
    const batch = requests.slice(start, start + PARALLEL);
    const answers = await Promise.all(batch.map((request) => sendRaw(encodeRequest(request))));
    answers.forEach((answer, i) => {
      const request = batch[i] as Generated;
      statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
      if (answer.status >= 500) fivexx += 1;
      const problem = problemOf(request, answer);
      if (problem !== undefined && problems.length < 20)
        problems.push(`#${start + i} ${describeRequest(request)}: ${problem}`);
    });
    expect(server?.child.exitCode, 'the server process exited').toBeNull();
  }
  console.log(
    `HTTP fuzz: statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, 5xx: ${fivexx}`,
  );
  expect(problems).toEqual([]);
  expect(fivexx).toBe(0);
  expect(server?.child.exitCode).toBeNull();
  expect((await fetch(`${base}/healthz`)).status).toBe(200);

  for (const { requestId, expected } of intact) {
    await waitFor(async () => {
      const response = await fetch(`${base}/flow/intact/requests/${requestId}/result`);
      return response.status !== 409;
    });
    const response = await fetch(`${base}/flow/intact/requests/${requestId}/result`);
    expect(response.status, requestId).toBe(200);
    expect(await response.json()).toBe(expected);
  }
});

/** The tokens of the authenticated phase: every role, and an operator scoped to some flows. */
const TOKENS = [
  { role: 'viewer', name: 'fuzz-viewer', token: 'fuzz-viewer-token-0123456789abcdef' },
  { role: 'operator', name: 'fuzz-operator', token: 'fuzz-operator-token-0123456789abcdef' },
  { role: 'admin', name: 'fuzz-admin', token: 'fuzz-admin-token-0123456789abcdef' },
  {
    role: 'operator',
    name: 'fuzz-scoped',
    token: 'fuzz-scoped-token-0123456789abcdef',
    flows: 'ec*',
  },
] as const;

/**
 * Requests for the authenticated phase: each carries a valid token of a random role; most aim at a row
 * of the route table (`ROUTE_ACCESS`: every API route, the dashboard, `/admin/*`) with its parameters
 * filled from flows and requests that exist and from hostile segments, a plausible or a hostile body
 * for the route, and the first phase's queries and headers; the rest are the first phase's requests.
 * `ping` is never named: its calls are the ones timed.
 */
function authenticatedGenerator(random: () => number, requestIds: readonly string[]) {
  const int = (n: number) => Math.floor(random() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => random() < p;
  const base = generator(random);
  const hostile = () =>
    pick(['__proto__', '%ZZ', '%00', 'a:b', '..', 'x'.repeat(300), 'ünï', '%2F', `r-${int(99)}`]);
  const flow = () => (chance(0.8) ? pick(['echo', 'slow', 'nope', `fz-${int(50)}`]) : hostile());
  const param: Record<string, () => string> = {
    name: flow,
    id: () =>
      chance(0.6) && requestIds.length > 0
        ? pick(requestIds)
        : pick([hostile(), 's~tick.1', 'child~abc', `fz-${int(20)}`, 'nightly']),
    path: () => pick(['echo', 'wait', 'each[1]/double', 'each%5B1%5D', hostile()]),
    signal: () => pick(['approve', 'go', hostile()]),
    version: () => pick(['latest', '0123456789ab', hostile()]),
  };
  const fill = (pattern: string): string =>
    pattern
      .split('/')
      .map((part) => {
        if (part === '*') return Array.from({ length: int(3) }, hostile).join('/');
        if (!part.startsWith(':')) return part;
        const value = (param[part.slice(1)] ?? hostile)();
        return value.startsWith('%') || /[^\x21-\x7e]/.test(value)
          ? value
          : encodeURIComponent(value);
      })
      .join('/');
  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  /** A body the route may take, so that requests get past the checks to the handlers. */
  const plausible = (pattern: string): Buffer => {
    if (pattern.includes('/schedules/'))
      return json(
        pick([
          { everyMs: pick([60_000, 100, 0, -1, 1e12]), input: { n: int(9) } },
          { cron: pick(['0 3 * * *', '*/5 * * * * *', '* * * * *', 'nope']), tz: 'Europe/Paris' },
          { everyMs: 60_000, cron: '* * * * *' },
        ]),
      );
    if (pattern.startsWith('/admin/flows'))
      return json({
        id: `s${int(9)}`,
        op: pick(['http', 'delay', 'nope', 'publish']),
        with: pick([{ url: 'http://169.254.169.254/' }, { ms: int(50) }, { queue: 'q' }, {}]),
        after: pick([[], ['echo'], ['missing']]),
        retries: int(3),
      });
    if (pattern === '/flows')
      return json({
        name: `fz-${int(50)}`,
        nodes: [{ id: 'a', op: pick(['delay', 'http', 'nope']), with: { ms: 1 } }],
      });
    if (pattern.endsWith('/migrate')) return json(pick([{}, { from: 'latest' }, { to: 'x' }]));
    if (pattern.endsWith('/rerun')) return json(pick([{}, { from: 'echo' }, { input: int(9) }]));
    return json(pick([int(200), { n: int(9), delayMs: int(20) }, 'text', null, [1, 2]]));
  };
  const methods = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'];
  return (): Generated => {
    const random_ = base();
    const token = pick(TOKENS).token;
    const auth: [string, string] = ['Authorization', `Bearer ${token}`];
    if (chance(0.2)) return { ...random_, headers: [auth, ...random_.headers] };
    const [routeMethod, pattern] = pick(ROUTE_ACCESS);
    const method =
      routeMethod === '*' || chance(0.1)
        ? pick(methods)
        : routeMethod === 'GET' && chance(0.1)
          ? 'HEAD'
          : routeMethod;
    const query = pick([
      '',
      '',
      `?wait=${pick(['0.05', '0.2', 'abc', '-1'])}`,
      `?limit=${pick(['1', '5', '0', 'x'])}&cursor=${pick(['', '0', 'bad'])}`,
      `?status=${pick(['running', 'completed', 'bogus'])}`,
      `?nodes=${pick(['1', 'echo', ''])}&cursor=${pick(['0', 'x'])}`,
      '?__proto__[x]=1',
    ]);
    const target = Buffer.from(fill(pattern) + query, 'latin1');
    const body =
      method === 'GET' || method === 'HEAD'
        ? Buffer.alloc(0)
        : chance(0.7)
          ? plausible(pattern)
          : random_.body;
    const headers: (readonly [string, Buffer | string])[] = [
      auth,
      ['Content-Type', chance(0.85) ? 'application/json' : 'text/plain'],
      ...random_.headers.filter(
        ([name]) => name !== 'Content-Type' && (chance(0.5) || name !== 'Content-Encoding'),
      ),
    ];
    return {
      method,
      target,
      headers,
      body,
      chunked: chance(0.1),
      route: `${routeMethod} ${pattern}`,
    };
  };
}

/** How often the authenticated phase starts a timed one-node call, and how many may be open at once. */
const PROBE_EVERY_MS = 20;
const MAX_PROBES_IN_FLIGHT = 100;

/** The p-th percentile (0-100) of sorted values. */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

it(
  `survives ${AUTH_COUNT} requests with valid tokens of every role on every route, a one-node ?wait= call timed meanwhile (seed ${SEED})`,
  { timeout: LONG ? 1_800_000 : 120_000 },
  async () => {
    const authPort = await freePort();
    const authed = startWorkerProcess(
      new URL('../fixtures/fuzz-server.mjs', import.meta.url).pathname,
      {
        REDIS_URL: inject('redisUrl'),
        DAGFLOW_PREFIX: `${prefix}-auth`,
        PORT: String(authPort),
        DAGFLOW_DASHBOARD_DIR: dashboard,
        DAGFLOW_TOKENS: TOKENS.map((t) =>
          ('flows' in t ? [t.role, t.name, t.token, t.flows] : [t.role, t.name, t.token]).join(':'),
        ).join(','),
      },
    );
    try {
      await authed.ready;
      console.log(
        `HTTP fuzz, authenticated: DAGFLOW_FUZZ_SEED=${SEED} DAGFLOW_FUZZ_AUTH_COUNT=${AUTH_COUNT}`,
      );
      const base = `http://127.0.0.1:${authPort}`;
      const operator = { authorization: `Bearer ${TOKENS[1].token}` };
      // Requests that exist, so that the routes with an `:id` reach their handlers too.
      const requestIds = await Promise.all(
        Array.from({ length: 8 }, async (_, i) => {
          const response = await fetch(`${base}/flow/${i % 2 === 0 ? 'echo' : 'slow'}`, {
            method: 'POST',
            headers: { ...operator, 'content-type': 'application/json' },
            body: JSON.stringify(i * 20),
          });
          expect(response.status).toBe(202);
          return ((await response.json()) as { requestId: string }).requestId;
        }),
      );

      // The timed calls: one-node requests answered when done (`?wait=`), started every
      // PROBE_EVERY_MS whether or not the ones before have answered (an open loop), so that a stall
      // of the server shows in as many calls as it lasts, not in the one call waiting through it.
      const latencies: number[] = [];
      const unexpected: string[] = [];
      const dropped: string[] = [];
      const calls: Promise<void>[] = [];
      let inFlight = 0;
      const ping = async (): Promise<void> => {
        inFlight += 1;
        const started = performance.now();
        try {
          const response = await fetch(`${base}/flow/ping?wait=5`, {
            method: 'POST',
            headers: { ...operator, 'content-type': 'application/json' },
            body: JSON.stringify({ at: started }),
          });
          await response.arrayBuffer();
          if (response.status !== 200 && unexpected.length < 5)
            unexpected.push(`ping answered ${response.status}`);
        } catch (error) {
          // A connection error of the client (seen once in 2,375 calls of a long run, not again on
          // replay: a kept-alive connection the server closed as it was reused) is counted, not failed.
          const cause = (error as { cause?: { code?: string; message?: string } }).cause;
          dropped.push(
            `after ${(performance.now() - started).toFixed(0)} ms: ${String(error)} (${cause?.code ?? ''} ${cause?.message ?? ''})`,
          );
        } finally {
          latencies.push(performance.now() - started);
          inFlight -= 1;
        }
      };
      const probe = setInterval(() => {
        if (inFlight < MAX_PROBES_IN_FLIGHT) calls.push(ping());
      }, PROBE_EVERY_MS);

      const next = authenticatedGenerator(prng(SEED ^ 0x5bd1e995), requestIds);
      const requests = Array.from({ length: AUTH_COUNT }, () => next());
      const problems: string[] = [];
      const statuses = new Map<number, number>();
      /** Per row of the route table, the answers past authentication (neither 401 nor 403). */
      const reached = new Map(ROUTE_ACCESS.map(([method, path]) => [`${method} ${path}`, 0]));
      let fivexx = 0;
      const started = performance.now();
      try {
        for (let start = 0; start < requests.length; start += PARALLEL) {
          const batch = requests.slice(start, start + PARALLEL);
          const answers = await Promise.all(
            batch.map((request) => sendRaw(encodeRequest(request), authPort)),
          );
          answers.forEach((answer, i) => {
            const request = batch[i] as Generated;
            statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
            if (answer.status >= 500) fivexx += 1;
            if (request.route !== undefined && answer.status !== 401 && answer.status !== 403)
              reached.set(request.route, (reached.get(request.route) ?? 0) + 1);
            const problem = problemOf(request, answer);
            if (problem !== undefined && problems.length < 20)
              problems.push(`#${start + i} ${describeRequest(request)}: ${problem}`);
          });
          expect(authed.child.exitCode, 'the server process exited').toBeNull();
        }
      } finally {
        clearInterval(probe);
        await Promise.all(calls);
      }
      const seconds = (performance.now() - started) / 1000;
      const sorted = [...latencies].sort((a, b) => a - b);
      const [p50, p99, max] = [percentile(sorted, 50), percentile(sorted, 99), sorted.at(-1) ?? 0];
      console.log(
        `HTTP fuzz, authenticated: ${AUTH_COUNT} requests in ${seconds.toFixed(1)} s, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}, 5xx: ${fivexx}; ` +
          `one-node ?wait= calls meanwhile (one every ${PROBE_EVERY_MS} ms): ${latencies.length}, over the bound ${sorted.filter((ms) => ms >= P99_BOUND_MS).length}, p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${max.toFixed(1)} ms (bound: p99 < ${P99_BOUND_MS} ms)`,
      );
      console.log(
        `HTTP fuzz, authenticated: answers past authentication per route: ${[...reached].map(([route, n]) => `${route} ${n}`).join(', ')}`,
      );
      expect(problems).toEqual([]);
      expect(fivexx).toBe(0);
      // Every route was called by a role that may use it.
      expect([...reached].filter(([, n]) => n === 0).map(([route]) => route)).toEqual([]);
      expect(unexpected).toEqual([]);
      if (dropped.length > 0)
        console.log(`HTTP fuzz, authenticated: dropped calls: ${dropped.join('; ')}`);
      expect(dropped.length, dropped.join('; ')).toBeLessThanOrEqual(
        Math.floor(latencies.length / 200),
      );
      expect(latencies.length).toBeGreaterThanOrEqual(20);
      expect(p99).toBeLessThan(P99_BOUND_MS);
      expect(authed.child.exitCode).toBeNull();
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
    } finally {
      await authed.stop();
    }
  },
);
