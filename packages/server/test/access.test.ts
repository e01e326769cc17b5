import { describe, expect, it } from 'vitest';
import { accessOf, pathMatches } from '../src/routes/access.js';
import { bindHost, isLoopback } from '../src/auth/protected-mode.js';
import type { Logger } from '@dagflow/engine';

describe('route access', () => {
  it.each([
    ['GET', '/healthz', 'open'],
    ['GET', '/openapi.json', 'open'],
    ['HEAD', '/dashboard/assets/app.js', 'open'],
    ['GET', '/dashboard', 'open'],
    ['GET', '/favicon.ico', 'open'],
    ['GET', '/flows', 'viewer'],
    ['GET', '/flow/kyc/requests/r1/nodes/each%2Fverify', 'viewer'],
    ['POST', '/flow/kyc', 'operator'],
    ['POST', '/flow/kyc/requests/r1/pause', 'operator'],
    ['POST', '/flow/kyc/requests/r1/signals/approve', 'operator'],
    ['GET', '/flows/kyc/versions', 'viewer'],
    ['GET', '/flows/kyc/versions/0123456789ab', 'viewer'],
    ['POST', '/flow/kyc/requests/r1/migrate', 'operator'],
    ['POST', '/flow/kyc/requests/migrate', 'operator'],
    ['POST', '/flows', 'admin'],
    ['DELETE', '/admin/flows/kyc/steps/x', 'admin'],
    ['GET', '/admin/audit', 'admin'],
    // Express routes case-insensitively and with one trailing slash: so does the table.
    ['POST', '/FLOWS/', 'admin'],
    ['POST', '/Flow/kyc/', 'operator'],
    ['GET', '/FLOWS', 'viewer'],
    // Unlisted routes and methods need admin (fail closed).
    ['GET', '/nowhere', 'admin'],
    ['PUT', '/flows', 'admin'],
    ['POST', '/healthz', 'admin'],
    ['GET', '//flows', 'admin'],
  ])('%s %s needs %s', (method, path, access) => {
    expect(accessOf(method, path)).toBe(access);
  });

  it('matches parameters to one non-empty segment', () => {
    expect(pathMatches('/flow/:name', '/flow/kyc')).toBe(true);
    expect(pathMatches('/flow/:name', '/flow/')).toBe(false);
    expect(pathMatches('/flow/:name', '/flow/kyc/requests')).toBe(false);
    expect(pathMatches('/admin/*', '/admin')).toBe(true);
  });
});

describe('protected mode', () => {
  const warnings: string[] = [];
  const log = { warn: (message: string) => warnings.push(message) } as unknown as Logger;

  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1'])
      expect(isLoopback(host), host).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', 'example.com', '128.0.0.1', ''])
      expect(isLoopback(host), host).toBe(false);
  });

  it('binds loopback without tokens and everywhere with them, unless HOST says otherwise', () => {
    expect(bindHost({ host: undefined, tokens: 0, auth: 'on', log })).toBe('127.0.0.1');
    expect(bindHost({ host: undefined, tokens: 2, auth: 'on', log })).toBe('0.0.0.0');
    expect(bindHost({ host: '10.1.2.3', tokens: 1, auth: 'on', log })).toBe('10.1.2.3');
    expect(bindHost({ host: '::1', tokens: 0, auth: 'on', log })).toBe('::1');
  });

  it('refuses a public address without tokens unless auth is off, which warns', () => {
    expect(() => bindHost({ host: '0.0.0.0', tokens: 0, auth: 'on', log })).toThrow(
      expect.objectContaining({ code: 'INVALID_CONFIG' }),
    );
    expect(warnings).toEqual([]);
    expect(bindHost({ host: '0.0.0.0', tokens: 0, auth: 'off', log })).toBe('0.0.0.0');
    expect(warnings).toEqual([expect.stringContaining('authentication is off')]);
  });
});
