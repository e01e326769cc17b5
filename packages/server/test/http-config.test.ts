import { ErrorCode, loadConfig } from '@dagflow/engine';
import { describe, expect, it } from 'vitest';
import { httpPart, streamLimitsPart } from '../src/http/http-config.js';

const naming = (name: string): unknown =>
  expect.objectContaining({
    code: ErrorCode.INVALID_CONFIG,
    message: expect.stringContaining(name) as string,
  });

describe("the HTTP front end's part of the configuration", () => {
  it('applies options over environment variables over defaults', async () => {
    const env = {
      MAX_BODY_BYTES: '2048',
      DAGFLOW_CORS_ORIGINS: 'https://a.example',
      DAGFLOW_AUTH: 'off',
      DAGFLOW_MAX_STREAMS: '7',
    };
    const config = loadConfig(env);
    expect(await config.part(httpPart, { dashboardDir: false })).toMatchObject({
      maxBodyBytes: 2048,
      corsOrigins: ['https://a.example'],
      auth: 'off',
      tokens: [],
      streamLimits: { total: 7, perCaller: 32 },
      dashboardDir: undefined,
    });
    expect(
      await config.part(httpPart, { maxBodyBytes: 10, auth: 'on', dashboardDir: '/d' }),
    ).toMatchObject({ maxBodyBytes: 10, auth: 'on', dashboardDir: '/d' });
    expect(await loadConfig({}).part(httpPart, { dashboardDir: false })).toMatchObject({
      maxBodyBytes: undefined,
      auth: 'on',
      corsOrigins: [],
      streamLimits: { total: 1_000, perCaller: 32 },
    });
  });

  it('refuses a malformed value with INVALID_CONFIG naming its variable', async () => {
    for (const [name, value] of [
      ['MAX_BODY_BYTES', 'big'],
      ['MAX_BODY_BYTES', '0'],
      ['DAGFLOW_AUTH', 'maybe'],
      ['DAGFLOW_MAX_STREAMS', 'lots'],
      ['DAGFLOW_MAX_STREAMS_PER_TOKEN', '-1'],
    ] as const) {
      await expect(
        loadConfig({ [name]: value }).part(httpPart, { dashboardDir: false }),
        `${name}=${value}`,
      ).rejects.toThrow(naming(name));
    }
    expect(() => loadConfig({ DAGFLOW_MAX_STREAMS: 'x' }).part(streamLimitsPart, {})).toThrow(
      naming('DAGFLOW_MAX_STREAMS'),
    );
  });

  it('reads none of the engine server part (PORT, HOST)', async () => {
    const config = loadConfig({ PORT: 'abc', WORKER_CONCURRENCY: 'x' });
    await expect(config.part(httpPart, { dashboardDir: false })).resolves.toBeDefined();
  });
});
