import { resolve } from 'node:path';
import { FlowService } from '@dagflow/engine';
import { httpApi } from '@dagflow/server';
import { testPrefix } from '@dagflow/test-utils';
import { afterEach, describe, expect, inject, it } from 'vitest';

let service: FlowService | undefined;
afterEach(async () => {
  await service?.close();
  service = undefined;
});

/** A service serving the dashboard's build (apps/dashboard/dist) and the API on a free port. */
async function serve(): Promise<string> {
  service = new FlowService({
    redisUrl: inject('redisUrl'),
    prefix: testPrefix(import.meta.url, expect.getState().currentTestName ?? ''),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'error',
    http: httpApi({ dashboardDir: resolve('apps/dashboard/dist') }),
  });
  service.register('hello', (dag) => dag.node('hi', (input: string) => `hi ${input}`));
  await service.start();
  return `http://127.0.0.1:${service.httpPort}`;
}

describe('security headers', () => {
  it('sends CSP, no framing, nosniff and no referrer with the dashboard, whose page needs no inline code', async () => {
    const base = await serve();
    const page = await fetch(`${base}/dashboard/`);
    expect(page.status).toBe(200);
    const html = await page.text();
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('cache-control')).not.toContain('no-store');
    // Every script and style is a file of its own: nothing the policy would block.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    const script = /<script[^>]*src="([^"]+)"/.exec(html)?.[1] ?? '';
    const asset = await fetch(`${base}${script}`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-security-policy')).toBe(csp);
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('answers the API with no-store and nosniff, /healthz without no-store', async () => {
    const base = await serve();
    const posted = await fetch(`${base}/flow/hello?wait=5`, { method: 'POST', body: 'you' });
    const id = posted.headers.get('x-request-id') ?? '';
    for (const path of [
      '/flows',
      '/flows/hello',
      '/flow/hello/requests',
      `/flow/hello/requests/${id}`,
      `/flow/hello/requests/${id}/result`,
      '/flow/hello/requests/unknown',
      '/no-such-route',
    ]) {
      const answer = await fetch(`${base}${path}`);
      expect(answer.headers.get('cache-control'), path).toBe('no-store');
      expect(answer.headers.get('x-content-type-options'), path).toBe('nosniff');
    }
    expect(posted.headers.get('cache-control')).toBe('no-store');
    const health = await fetch(`${base}/healthz`);
    expect(health.headers.get('cache-control')).toBeNull();
    expect(health.headers.get('x-content-type-options')).toBe('nosniff');
  });
});
