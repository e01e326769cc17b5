import { type Server, request } from 'node:http';
import type { FlowApi } from '@dagflow/engine';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app/app.js';
import { AuthThrottle } from '../src/auth/auth-throttle.js';

const VIEWER = 'viewer-3f9a1c7e5b2d08a4c6e1f390';

describe('AuthThrottle', () => {
  it('refuses an address after max failures until its window ends, then forgets it', () => {
    const throttle = new AuthThrottle({ max: 3, windowMs: 1_000 });
    for (let i = 0; i < 3; i++) {
      expect(throttle.retryAfterMs('a', 100)).toBe(0);
      throttle.fail('a', 100);
    }
    expect(throttle.retryAfterMs('a', 400)).toBe(700);
    expect(throttle.retryAfterMs('b', 400)).toBe(0);
    expect(throttle.retryAfterMs('a', 1_100)).toBe(0);
    expect(throttle.size).toBe(0);
  });

  it('remembers at most maxAddresses, forgetting the oldest windows first', () => {
    const throttle = new AuthThrottle({ max: 1, windowMs: 60_000, maxAddresses: 100 });
    for (let i = 0; i < 10_000; i++) throttle.fail(`10.0.${i >> 8}.${i & 255}`, i);
    expect(throttle.size).toBe(100);
    expect(throttle.retryAfterMs('10.0.39.15', 10_000)).toBeGreaterThan(0); // the newest
    expect(throttle.retryAfterMs('10.0.0.0', 10_000)).toBe(0); // forgotten
  });
});

describe('failed authentications over HTTP', () => {
  const warnings: Record<string, unknown>[] = [];
  const service = {
    log: {
      error: () => undefined,
      warn: (_: string, fields: object) => warnings.push({ ...fields }),
    },
  } as unknown as FlowApi;
  let server: Server;
  let port = 0;
  beforeAll(async () => {
    server = createApp(service, {
      tokens: [{ role: 'viewer', token: VIEWER, name: 'vera' }],
    }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const address = server.address();
    port = typeof address === 'object' && address !== null ? address.port : 0;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** `GET /auth/whoami` with `token`, sent from `from` (a loopback address). */
  const whoami = (token: string, from: string) =>
    new Promise<{ status: number; retryAfter?: string; code?: string }>((resolve, reject) => {
      const req = request(
        { host: '127.0.0.1', port, path: '/auth/whoami', localAddress: from, agent: false },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              ...(res.headers['retry-after'] === undefined
                ? {}
                : { retryAfter: res.headers['retry-after'] }),
              code: (JSON.parse(text) as { error?: { code: string } }).error?.code ?? '',
            }),
          );
        },
      );
      req.setHeader('authorization', `Bearer ${token}`);
      req.on('error', reject);
      req.end();
    });

  it('answers most of a burst of 600 wrong tokens 429, and a valid token from elsewhere still works', async () => {
    const answers = [];
    for (let i = 0; i < 600; i += 50) {
      answers.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, (_, j) =>
            whoami(`wrong-${i + j}-0123456789abcdef01`, '127.0.0.1'),
          ),
        )),
      );
    }
    const limited = answers.filter((answer) => answer.status === 429);
    expect(answers.filter((answer) => answer.status === 401)).toHaveLength(20);
    expect(limited).toHaveLength(580);
    expect(limited[0]).toMatchObject({
      code: 'TOO_MANY_AUTH_FAILURES',
      retryAfter: expect.stringMatching(/^\d+$/),
    });
    expect(await whoami(VIEWER, '127.0.0.2')).toMatchObject({ status: 200 });
    // The address itself is refused without its token being checked.
    expect(await whoami(VIEWER, '127.0.0.1')).toMatchObject({ status: 429 });
    // Denials are logged, at most one line per address per second, counting what was left out.
    expect(warnings.length).toBeGreaterThanOrEqual(1);
    expect(warnings.length).toBeLessThan(20);
    expect(warnings[0]).toMatchObject({
      address: '127.0.0.1',
      method: 'GET',
      path: '/auth/whoami',
      code: 'UNAUTHENTICATED',
    });
  });
});
