import { type Dag, FlowService } from '@dagflow/engine';
import { testPrefix, waitFor } from '@dagflow/test-utils';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type Demo, launchChromium, startDemo } from './demo-process.js';
import { layoutProblems } from './layout-checks.js';

/**
 * The flows page as an overview kept open, the request page's waits and relations (signals, a
 * sleep, a child request) and the shape it draws, in Chromium against the demo.
 */
const PREFIX = testPrefix(import.meta.url, 'dashboard-pages');
let demo: Demo;
let browser: Browser;
let page: Page;
let base = '';

async function post(path: string, input?: unknown): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(input === undefined ? {} : { body: JSON.stringify(input) }),
  });
  return { status: response.status, body: await response.json() };
}

async function execute(flow: string, input: unknown): Promise<string> {
  return ((await post(`/flow/${flow}`, input)).body as { requestId: string }).requestId;
}

/** `a -> approve (signal) -> ...rest`, a chain. */
function shape(...rest: string[]) {
  return (dag: Dag): void => {
    dag.node('a', (input: unknown) => input).signal('approve');
    let last = 'approve';
    dag.edge('a', last);
    for (const id of rest) {
      dag.node(id, (input: unknown) => input).edge(last, id);
      last = id;
    }
  };
}

/** A service of the demo's Redis and prefix, outside the demo (another deploy's worker). */
function deployed(): FlowService {
  return new FlowService({ redisUrl: inject('redisUrl'), prefix: PREFIX, logLevel: 'error' });
}

async function stateOf(flow: string, id: string): Promise<{ status: string; version?: string }> {
  const response = await fetch(`${base}/flow/${flow}/requests/${id}`);
  return response.json() as Promise<{ status: string; version?: string }>;
}

beforeAll(async () => {
  demo = await startDemo({
    REDIS_URL: inject('redisUrl'),
    DAGFLOW_PREFIX: PREFIX,
  });
  base = demo.base;
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.stop();
});

describe('dashboard pages', () => {
  it("lists a flow's versions: the current one marked, live requests, drained, nodes no worker has", async () => {
    // The answer is fixed here: the page's drawing of it is under test, not the engine's counting.
    const versions = [
      {
        version: 'bbbbbbbbbbbb',
        current: true,
        revision: 2,
        publishedAt: Date.now(),
        requests: { pending: 0, running: 3, paused: 1 },
        nodeWorkers: { a: 2 },
        unavailable: [],
        drained: false,
      },
      {
        version: 'aaaaaaaaaaaa',
        current: false,
        publishedAt: Date.now() - 60_000,
        requests: { pending: 0, running: 0, paused: 0 },
        nodeWorkers: { a: 2, gone: 0 },
        unavailable: ['gone'],
        drained: true,
      },
    ];
    await page.route('**/flows/slow/versions', (route) => route.fulfill({ json: { versions } }));
    await page.goto(`${base}/dashboard/#/flows/slow`);
    const rows = page.locator('[data-testid=versions] tbody tr');
    await expect.poll(() => rows.count()).toBe(2);
    const cells = (version: string) =>
      page.locator(`[data-testid=versions] tr[data-version=${version}] td`).allTextContents();
    expect(await cells('bbbbbbbbbbbb')).toEqual([
      'bbbbbbbbbbbb current',
      '2',
      expect.stringMatching(/^\d{4}-/) as string,
      '3 running · 1 paused',
      'no',
      '–',
    ]);
    expect(await cells('aaaaaaaaaaaa')).toEqual([
      'aaaaaaaaaaaa',
      '–',
      expect.stringMatching(/^\d{4}-/) as string,
      'none',
      'yes',
      'gone',
    ]);
    await page.unroute('**/flows/slow/versions');
  });

  it('shows per flow its size, workers, schedules, latest requests by status and the last time, live', async () => {
    const running = await execute('slow', 20_000);
    const stopped = await execute('slow', 20_000);
    await post(`/flow/slow/requests/${stopped}/stop`);
    const put = await fetch(`${base}/flows/slow/schedules/nightly`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ cron: '0 3 * * *', input: 1 }),
    });
    expect(put.status).toBe(200);
    await page.goto(`${base}/dashboard/#/`);
    const slow = page.locator('tr[data-flow=slow]');
    await slow.waitFor();
    expect(await slow.locator('[data-testid=nodes]').textContent()).toBe('3');
    await expect.poll(() => slow.locator('[data-testid=workers]').textContent()).toBe('2');
    await expect.poll(() => slow.locator('[data-testid=schedules]').textContent()).toBe('1');
    await expect
      .poll(() => slow.locator('[data-testid=recent] .count').allTextContents())
      .toEqual(['1 running', '1 stopped']);
    expect(await slow.locator('[data-testid=recent] rect.tick').count()).toBe(2);
    // Newest right: the stopped one came last.
    expect(
      await slow
        .locator('rect.tick')
        .evaluateAll((ticks) => ticks.map((t) => t.getAttribute('class'))),
    ).toEqual(['tick status-running', 'tick status-stopped']);
    expect(await slow.locator('[data-testid=last-request]').textContent()).toMatch(
      /^(just now|\d+ s ago)\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/,
    );
    // Nothing runs off the page at 1400 px, nor at 800 px.
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 800, height: 900 });
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.setViewportSize({ width: 1400, height: 900 });
    // A flow without requests says so.
    expect(await page.textContent('tr[data-flow=payments] [data-testid=recent]')).toBe(
      'no requests',
    );

    // Updated without a reload: a completed kyc request shows up in its row.
    await execute('kyc', 'ann');
    await expect
      .poll(() => page.locator('tr[data-flow=kyc] [data-testid=recent] .count').allTextContents(), {
        timeout: 10_000,
      })
      .toEqual(['1 completed']);
    await post(`/flow/slow/requests/${running}/stop`);
    await fetch(`${base}/flows/slow/schedules/nightly`, { method: 'DELETE' });
  });

  it("draws a request of an older version with its own version's nodes, not the current ones", async () => {
    const v1 = deployed();
    v1.register('shapes', shape('b'), { revision: 1 });
    await v1.startWorker();
    const old = await v1.execute('shapes', 1);
    await waitFor(
      async () => (await v1.state('shapes', old)).nodes['approve']?.status === 'waiting',
    );
    await v1.close();
    const v2 = deployed();
    try {
      v2.register('shapes', shape('c', 'd'), { revision: 2 }); // b removed, c and d added
      await v2.startWorker();
      const { version } = await stateOf('shapes', old);
      // The demo reads the registry again within 2 s: then v2 is the current version.
      const current = async () =>
        ((await (await fetch(`${base}/flows/shapes`)).json()) as { version: string }).version;
      await expect.poll(current, { timeout: 5_000 }).not.toBe(version);
      await page.goto(`${base}/dashboard/#/requests/shapes/${old}`);
      await page.waitForSelector('g.box[data-node=approve][data-status=waiting]');
      const drawn = () =>
        page.locator('g.box').evaluateAll((boxes) => boxes.map((box) => box.dataset['node']));
      expect((await drawn()).sort()).toEqual(['a', 'approve', 'b']);
      expect(await page.textContent('h1 + p.muted')).toContain(`version ${version}`);
      // A request of the current version is drawn with the current shape.
      const now = await execute('shapes', 2);
      await page.goto(`${base}/dashboard/#/requests/shapes/${now}`);
      await page.waitForSelector('g.box[data-node=approve][data-status=waiting]');
      expect((await drawn()).sort()).toEqual(['a', 'approve', 'c', 'd']);
      for (const id of [old, now]) await post(`/flow/shapes/requests/${id}/stop`);
    } finally {
      await v2.close();
    }
  });

  it('draws a waiting signal, a sleep and a child request, and links parent and child', async () => {
    const parent = await execute('expense', 120);
    await page.goto(`${base}/dashboard/#/requests/expense/${parent}`);
    const approve = page.locator('g.box[data-node=approve]');
    await page.waitForSelector('g.box[data-node=approve][data-status=waiting]', {
      timeout: 10_000,
    });
    expect(await approve.getAttribute('data-wait')).toBe('signal');
    expect(await approve.textContent()).toContain('waiting for a signal');
    const signal = page.locator('tr[data-related=signal]');
    expect(await signal.textContent()).toMatch(/approve.*waiting since \d{4}-/);

    // The operator's form, prefilled with a payload a flow can read (not null), delivers it; the
    // sleep then draws as waiting, then the child request runs.
    expect(await page.inputValue('form[data-signal=approve] input[name=payload]')).toBe('{}');
    await page.fill('form[data-signal=approve] input[name=payload]', '{"by":"ana"}');
    await page.click('form[data-signal=approve] button');
    await page.waitForSelector('g.box[data-node=cool-off][data-status=waiting]', {
      timeout: 5_000,
    });
    expect(await page.textContent('g.box[data-node=cool-off]')).toContain('sleeping 2.0 s');
    await expect.poll(() => signal.textContent()).toMatch(/delivered \d{4}-/);
    await page.waitForSelector('g.box[data-node=pay][data-status=waiting]', { timeout: 10_000 });
    expect(await page.textContent('g.box[data-node=pay]')).toContain('waiting for flow payments');
    expect(await layoutProblems(page)).toEqual([]);
    const child = page.locator('tr[data-related=child] a');
    await child.waitFor();
    const childId = ((await child.textContent()) ?? '').replace('payments / ', '');
    expect(childId).not.toBe('');

    // The child's page links back to its parent.
    await child.click();
    await page.waitForURL(new RegExp(`#/requests/payments/${childId}$`));
    await page.waitForSelector('tr[data-related=parent]');
    expect(await page.textContent('tr[data-related=parent]')).toBe(
      `parentexpense / ${parent}node pay`,
    );
    expect(await page.textContent('[data-testid=request-input]')).toContain('"by": "ana"');
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 10_000,
    });
    // The result is fetched once the page shows the request completed.
    await expect
      .poll(() => page.textContent('[data-testid=request-result]'))
      .toContain('"receipt": "r-1"');

    await page.click('tr[data-related=parent] a');
    await page.waitForSelector('[data-testid=request-status][data-status=completed]', {
      timeout: 10_000,
    });
    // The result is fetched once the page shows the request completed.
    await expect
      .poll(() => page.textContent('[data-testid=request-result]'))
      .toContain('"notified": true');
    // Full dates and durations: created, started (with its queueing), finished and the whole time.
    expect(await page.textContent('h1 + p.muted')).toMatch(
      /^flow expense · version [0-9a-f]{12} · created \d{4}-\d\d-\d\d [\d:.]+ · started [\d: .-]+ \(queued \d+ ms\) · finished [\d: .-]+ · took \d+\.\d s$/,
    );
    // Once delivered, no form is offered again.
    expect(await page.locator('form[data-signal]').count()).toBe(0);
    expect((await stateOf('expense', parent)).status).toBe('completed');
  });
});
