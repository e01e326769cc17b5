import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { testPrefix } from '@dagflow/test-utils';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Demo, launchChromium, startDemo } from './demo-process.js';

/** The dashboard against a demo with tokens: it asks for one and shows what the role may use. */
const SCREENSHOTS = resolve('test-artifacts/screenshots');
const VIEWER = 'viewer-token-for-the-dashboard-test';
const OPERATOR = 'operator-token-for-the-dashboard-test';

let demo: Demo;
let browser: Browser;
const contexts: BrowserContext[] = [];

/** Executes `flow` as the operator; answers the request id. */
async function execute(flow: string, input: unknown): Promise<string> {
  const response = await fetch(`${demo.base}/flow/${flow}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${OPERATOR}` },
    body: JSON.stringify(input),
  });
  return ((await response.json()) as { requestId: string }).requestId;
}

/** A fresh browser session (its own sessionStorage) signed in with `token`. */
async function signIn(token: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(`${demo.base}/dashboard/`);
  await page.fill('.login-form input[name=token]', token);
  await page.click('.login-form button[type=submit]');
  await page.locator('tr[data-flow=kyc]').waitFor();
  return page;
}

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  demo = await startDemo(
    {
      REDIS_URL: inject('redisUrl'),
      DAGFLOW_PREFIX: testPrefix(import.meta.url, 'dashboard-auth'),
      DAGFLOW_TOKENS: `viewer:${VIEWER},operator:${OPERATOR}`,
    },
    VIEWER,
  );
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  for (const context of contexts) await context.close();
  await browser?.close();
  await demo?.stop();
});

describe('dashboard with tokens', () => {
  it('asks for a token, refuses a wrong one with a clear message', async () => {
    const context = await browser.newContext();
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(`${demo.base}/dashboard/`);
    await page.locator('.login-form').waitFor();
    expect(await page.textContent('.login-form')).toContain('needs an API token');
    await page.fill('.login-form input[name=token]', 'not-a-token');
    await page.click('.login-form button[type=submit]');
    await expect.poll(() => page.textContent('.login-form [role=alert]')).toContain('not accepted');
    await page.screenshot({ path: `${SCREENSHOTS}/login-refused.png` });
  });

  it('shows a viewer no controls: no execute form, no pause, resume, stop or rerun', async () => {
    const page = await signIn(VIEWER);
    expect(await page.textContent('[data-testid=role]')).toBe('viewer');
    expect(await page.locator('.execute-form').count()).toBe(0);
    const requestId = await execute('slow', 1_500);
    await page.goto(`${demo.base}/dashboard/#/requests/slow/${requestId}`);
    await page.waitForSelector('g.box[data-node=prepare]');
    await page.waitForSelector('[data-testid=request-status][data-status]');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    await page.goto(`${demo.base}/dashboard/#/flows/slow`);
    await page.locator('svg.dag g.box').first().waitFor();
    expect(await page.locator('.execute-form').count()).toBe(0);
    await page.screenshot({ path: `${SCREENSHOTS}/viewer-flow.png`, fullPage: true });
  });

  it('lets an operator pause and resume a request, and signs out', async () => {
    const page = await signIn(OPERATOR);
    expect(await page.textContent('[data-testid=role]')).toBe('operator');
    expect(await page.locator('.execute-form').count()).toBe(1);
    const requestId = await execute('slow', 1_500);
    await page.goto(`${demo.base}/dashboard/#/requests/slow/${requestId}`);
    await page.waitForSelector('g.box[data-node=prepare][data-status=running]', {
      timeout: 10_000,
    });
    await page.click('button[data-action=pause]');
    await page.waitForSelector('[data-testid=request-status][data-status=paused]', {
      timeout: 5_000,
    });
    await page.click('button[data-action=resume]');
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 15_000,
    });
    await page.screenshot({ path: `${SCREENSHOTS}/operator-resumed.png`, fullPage: true });

    await page.click('.sign-out');
    await page.locator('.login-form').waitFor();
    expect(await page.evaluate(() => sessionStorage.getItem('dagflow.token'))).toBeNull();
  });
});
