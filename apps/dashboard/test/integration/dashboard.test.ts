import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { testPrefix } from '@dagflow/test-utils';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Demo, launchChromium, startDemo } from './demo-process.js';

/**
 * The dashboard in Debian's Chromium against the demo: its server (serving the dashboard build) and
 * worker in one process, plus the worker process it forks. No tokens: on loopback everyone is admin.
 */
const SCREENSHOTS = resolve('test-artifacts/screenshots');

let demo: Demo;
let browser: Browser;
let page: Page;
let base = '';

async function execute(flow: string, input: unknown): Promise<string> {
  const response = await fetch(`${base}/flow/${flow}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(input),
  });
  return ((await response.json()) as { requestId: string }).requestId;
}

const statusOf = (p: Page) => p.getAttribute('[data-testid=request-status]', 'data-status');

beforeAll(async () => {
  await mkdir(SCREENSHOTS, { recursive: true });
  demo = await startDemo({
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: testPrefix(import.meta.url, 'dashboard'),
  });
  base = demo.base;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('dashboard', () => {
  it('lists the flows with live workers and draws a flow as a graph with groups', async () => {
    await page.goto(`${base}/dashboard/`);
    const row = page.locator('tr[data-flow=kyc]');
    await row.waitFor();
    await expect.poll(() => row.locator('[data-testid=workers]').textContent()).toMatch(/^2/);
    await page.click('a[href="#/flows/kyc-batch"]');
    await page.locator('svg.dag g.box').first().waitFor();
    // The for-each group holds the sub-DAG group, which holds the KYC diamond.
    expect(await page.locator('g.cluster.kind-foreach[data-node=each-user]').count()).toBe(1);
    expect(await page.locator('g.cluster.kind-subdag[data-node="each-user/verify"]').count()).toBe(
      1,
    );
    expect(await page.locator('g.box').count()).toBe(5);
    await page.screenshot({ path: `${SCREENSHOTS}/flow-kyc-batch.png`, fullPage: true });
  });

  it('runs the KYC flow from the execute form and shows every node completed', async () => {
    await page.goto(`${base}/dashboard/#/`);
    await page.selectOption('.execute-form select[name=flow]', 'kyc');
    await page.fill('.execute-form textarea', 'alice');
    await page.click('.execute-form button[type=submit]');
    await page.waitForURL(/#\/requests\/kyc\//);
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 20_000,
    });
    const statuses = await page
      .locator('svg.dag g.box')
      .evaluateAll((boxes) => boxes.map((box) => box.getAttribute('data-status')));
    expect(statuses).toEqual(['completed', 'completed', 'completed', 'completed']);
    expect(await page.locator('.timeline-row').count()).toBe(4);

    await page.click('g.box[data-node=mark-profile]');
    await expect
      .poll(() => page.textContent('[data-testid=node-output]'), { timeout: 5_000 })
      .toContain('"verified": true');
    expect(await page.textContent('[data-testid=node-input]')).toContain('"face-detect"');
    // What face-match logged through ctx.log, per attempt.
    await page.click('g.box[data-node=face-match]');
    await page.waitForSelector('[data-testid=node-logs] [data-attempt="1"]');
    expect(await page.textContent('[data-testid=node-logs]')).toContain(
      'match found {"score":0.97}',
    );
    await page.screenshot({ path: `${SCREENSHOTS}/request-kyc-completed.png`, fullPage: true });
  });

  it("shows a running node's chunks live in its panel (the demo's story flow, a stream edge)", async () => {
    const requestId = await execute('story', { words: 16, gapMs: 250 });
    await page.goto(`${base}/dashboard/#/requests/story/${requestId}`);
    await page.waitForSelector('g.box[data-node=generate][data-status=running]', {
      timeout: 10_000,
    });
    // The stream edge is drawn as one.
    expect(await page.locator('svg.dag path.link.stream').count()).toBe(1);
    await page.click('g.box[data-node=generate]');
    const chunks = page.locator('[data-testid=node-chunks] li[data-seq]');
    await expect.poll(() => chunks.count(), { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    // Read while the producer still runs, and its stream-edge consumer already runs beside it.
    expect(await page.getAttribute('g.box[data-node=generate]', 'data-status')).toBe('running');
    expect(await page.getAttribute('g.box[data-node=speak]', 'data-status')).toBe('running');
    expect(await page.textContent('[data-testid=node-chunks] h3')).toBe('chunks (live)');
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 15_000,
    });
    await expect.poll(() => chunks.count()).toBe(16);
    expect(await chunks.first().textContent()).toBe('once');
    await expect.poll(() => page.textContent('[data-testid=node-chunks] h3')).toBe('chunks');
    await page.screenshot({ path: `${SCREENSHOTS}/request-story-chunks.png`, fullPage: true });
  });

  it('pauses and resumes a slow request from its buttons', async () => {
    const requestId = await execute('slow', 1_500);
    await page.goto(`${base}/dashboard/#/requests/slow/${requestId}`);
    await page.waitForSelector('g.box[data-node=prepare][data-status=running]', {
      timeout: 10_000,
    });
    await page.click('button[data-action=pause]');
    await page.waitForSelector('[data-testid=request-status][data-status=paused]', {
      timeout: 5_000,
    });
    // The running step finishes; its successor is held while paused.
    await page.waitForSelector('g.box[data-node=prepare][data-status=completed]', {
      timeout: 10_000,
    });
    await new Promise((done) => setTimeout(done, 1_500));
    // Drawn as held (dashed), not as plain pending: it starts on resume.
    expect(await page.getAttribute('g.box[data-node=work]', 'data-status')).toBe('held');
    expect(await page.textContent('g.box[data-node=work]')).toContain('held (paused)');
    expect(await statusOf(page)).toBe('paused');
    await page.screenshot({ path: `${SCREENSHOTS}/request-slow-paused.png`, fullPage: true });

    expect(await page.isEnabled('button[data-action=resume]')).toBe(true);
    await page.click('button[data-action=resume]');
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 15_000,
    });
    expect(await page.getAttribute('g.box[data-node=finish]', 'data-status')).toBe('completed');
    await page.screenshot({ path: `${SCREENSHOTS}/request-slow-resumed.png`, fullPage: true });
  });

  it('updates a request page within 500 ms of a node finishing, with polling off', async () => {
    const live = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    // ?poll=off: no fallback polling, so every update must come from the pushed stream.
    await live.goto(`${base}/dashboard/?poll=off#/flows/slow`);
    await live.locator('svg.dag g.box').first().waitFor();
    const requestId = await execute('slow', 600);
    // The list follows the flow's announcements: the new request appears without a reload.
    await live.waitForSelector(`tr[data-request="${requestId}"]`, { timeout: 2_000 });
    await live.goto(`${base}/dashboard/?poll=off#/requests/slow/${requestId}`);
    // The page notes when each box is first drawn completed (in the page: playwright's own polling
    // would add its round trips to the measure).
    await live.evaluate(() => {
      const seen: Record<string, number> = {};
      (window as unknown as { seen: Record<string, number> }).seen = seen;
      new MutationObserver(() => {
        for (const box of document.querySelectorAll('g.box[data-status=completed]')) {
          const node = box.getAttribute('data-node') ?? '';
          seen[node] ??= Date.now();
        }
      }).observe(document.body, { subtree: true, childList: true, attributes: true });
    });
    await live.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 10_000,
    });
    const seen = await live.evaluate(
      () => (window as unknown as { seen: Record<string, number> }).seen,
    );
    const state = (await (await fetch(`${base}/flow/slow/requests/${requestId}`)).json()) as {
      nodes: Record<string, { finishedAt: number }>;
    };
    // Measured once the page follows the request (it opened while `prepare` ran).
    for (const step of ['work', 'finish']) {
      const lag = seen[step]! - state.nodes[step]!.finishedAt;
      console.log(`${step} drawn completed ${lag} ms after it finished`);
      expect(lag).toBeLessThan(500);
    }
    await live.waitForSelector('[data-testid=request-status][data-status=completed]');
    await live.close();
  });

  it('lists the 2 worker processes with their version, pid and the nodes they run', async () => {
    await page.goto(`${base}/dashboard/#/workers`);
    await expect.poll(() => page.locator('tr[data-worker]').count()).toBe(2);
    const cells = await page.locator('tr[data-worker] td:first-child').allTextContents();
    expect(new Set(cells).size).toBe(2);
    for (const cell of cells) expect(cell).toMatch(/ · pid \d+$/);
    expect(await page.locator('tr[data-worker] td:nth-child(2)').allTextContents()).toEqual([
      '0.1.0',
      '0.1.0',
    ]);
    // A node that runs for 9 s shows up under its worker within a heartbeat (every 5 s).
    const requestId = await execute('slow', 9_000);
    await page.waitForSelector(`[data-testid=running] a:has-text("${requestId} prepare")`, {
      timeout: 8_000,
    });
    await page.screenshot({ path: `${SCREENSHOTS}/workers.png`, fullPage: true });
    await fetch(`${base}/flow/slow/requests/${requestId}/stop`, { method: 'POST' });
  });

  it("stops 3 selected requests at once, and shows the flow's schedules", async () => {
    const ids = await Promise.all([1, 2, 3].map(() => execute('slow', 5_000)));
    const other = await execute('slow', 5_000);
    const put = await fetch(`${base}/flows/slow/schedules/nightly`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cron: '0 3 * * *', tz: 'UTC', input: 100 }),
    });
    expect(put.status).toBe(200);
    await page.goto(`${base}/dashboard/#/flows/slow`);
    await page.waitForSelector('[data-testid=schedules] tr[data-schedule=nightly]');
    expect(await page.textContent('[data-testid=schedules]')).toContain('0 3 * * * (UTC)');
    for (const id of ids) await page.check(`input[data-select="${id}"]`);
    expect(await page.textContent('[data-testid=selected-count]')).toBe('3 selected');
    await page.click('button[data-bulk=stop]');
    await expect.poll(() => page.textContent('[data-testid=bulk-result]')).toBe('3 stopped');
    const statusOfRequest = async (id: string) =>
      ((await (await fetch(`${base}/flow/slow/requests/${id}`)).json()) as { status: string })
        .status;
    for (const id of ids) expect(await statusOfRequest(id)).toBe('stopped');
    expect(await statusOfRequest(other)).not.toBe('stopped');
    await fetch(`${base}/flow/slow/requests/${other}/stop`, { method: 'POST' });
    await fetch(`${base}/flows/slow/schedules/nightly`, { method: 'DELETE' });
  });

  it('deletes every stopped request the filter matches, across pages, and shows its progress', async () => {
    const ids = await Promise.all(Array.from({ length: 30 }, () => execute('slow', 5_000)));
    for (const id of ids) await fetch(`${base}/flow/slow/requests/${id}/stop`, { method: 'POST' });
    const dryRun = (await (
      await fetch(`${base}/flow/slow/requests/bulk`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action: 'delete', filter: { status: 'stopped' }, dryRun: true }),
      })
    ).json()) as { matched: number };
    expect(dryRun.matched).toBeGreaterThanOrEqual(30); // more than a page of the list (25)
    await page.goto(`${base}/dashboard/#/flows/slow`);
    await page.selectOption('select[aria-label="status filter"]', 'stopped');
    await page.click('button[data-bulk-filter=count]');
    await expect
      .poll(() => page.textContent('[data-testid=bulk-filter-result]'))
      .toBe(`stop 0, rerun ${dryRun.matched}, resume 0, delete ${dryRun.matched}`);
    await page.click('button[data-bulk-filter=delete]');
    await expect
      .poll(() => page.textContent('[data-testid=bulk-filter-result]'), { timeout: 20_000 })
      .toBe(`delete: ${dryRun.matched} of ${dryRun.matched} done`);
    for (const id of ids)
      expect((await fetch(`${base}/flow/slow/requests/${id}`)).status, id).toBe(404);
  });

  it('collapses a for-each of 1,000 items into one node with counts', async () => {
    const requestId = await execute('squares', 1_000);
    await page.goto(`${base}/dashboard/#/requests/squares/${requestId}`);
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 30_000,
    });
    await page.waitForSelector('g.box[data-node="each-number/square"][data-instances="1000"]');
    expect(await page.locator('g.box').count()).toBe(2);
    expect(await page.textContent('g.box[data-node="each-number/square"]')).toContain(
      '1000 completed',
    );
    expect(await page.textContent('g.cluster[data-node=each-number]')).toContain('1000 items');
    // The timeline has one row for the 1,000 items, not 1,000 rows.
    expect(await page.locator('.timeline-row').count()).toBe(3);
    expect(await page.textContent('.timeline-row[data-node="each-number/square"]')).toContain(
      '×1000',
    );

    // Its instances page 50 at a time; one opens with its input and output.
    await page.click('g.box[data-node="each-number/square"]');
    expect(await page.locator('.node-panel .instances li').count()).toBe(50);
    await page.click('.node-panel .instances button >> text="each-number[7]/square"');
    await expect.poll(() => page.textContent('[data-testid=node-output]')).toBe('49');
    await page.screenshot({ path: `${SCREENSHOTS}/request-squares-1000.png`, fullPage: true });
  });
});
