// @ts-check
/**
 * `pnpm screenshots`: the README's dashboard pictures. Starts the demo (server, worker and a forked
 * worker) on a private redis-server, runs a mix of requests (completed, failed, stopped, running,
 * waiting for a signal or a child request), opens the flows, flow, request and workers pages in
 * Chromium at 1400x900 and writes docs/images/{flows,flow,request,workers}.png, each under 300 kB.
 * Needs a build (`pnpm build`) and Chromium (`CHROMIUM_PATH`, else /usr/bin/chromium).
 */
import { spawn } from 'node:child_process';
import { mkdir, stat } from 'node:fs/promises';
import { fileURLToPath, URL } from 'node:url';
import { freePort, startRedis, waitFor } from '@dagflow/test-utils';
import { chromium } from 'playwright-core';

const ROOT = new URL('../../../', import.meta.url);
const OUT = fileURLToPath(new URL('docs/images/', ROOT));
const DEMO = fileURLToPath(new URL('apps/demo/dist/main.js', ROOT));
const MAX_BYTES = 300_000;

const redis = await startRedis();
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const demo = spawn(process.execPath, [DEMO, 'all'], {
  env: {
    ...process.env,
    REDIS_URL: redis.url,
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
  },
  stdio: ['ignore', 'ignore', 'inherit'],
});
const browser = await chromium.launch({
  executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});

/**
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<any>}
 */
async function post(path, body) {
  const response = await fetch(`${base}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return response.json();
}

/** @param {string} flow @param {unknown} input @returns {Promise<string>} */
const execute = async (flow, input) => (await post(`/flow/${flow}`, input)).requestId;

/** @param {string} flow @param {string} id @returns {Promise<any>} */
const state = async (flow, id) => (await fetch(`${base}/flow/${flow}/requests/${id}`)).json();

/** @param {string} flow @param {string} id @param {(state: any) => boolean} done */
const until = (flow, id, done) =>
  waitFor(async () => done(await state(flow, id)), { timeoutMs: 30_000, intervalMs: 100 });

try {
  await waitFor(
    async () => {
      const answer = await fetch(`${base}/flows`).then(
        (r) => r.json(),
        () => undefined,
      );
      const kyc = answer?.flows?.find((/** @type {any} */ flow) => flow.name === 'kyc');
      return (kyc?.workers[''] ?? 0) >= 2;
    },
    { timeoutMs: 20_000, intervalMs: 200, message: 'the demo did not start with two workers' },
  );

  // A history: completed and failed KYC checks, a batch, sums, a stopped slow request.
  for (const user of ['ann', 'bob', 'cy', 'dee', 'eve', 'fay', 'gus']) {
    const id = await execute('kyc', user);
    await until('kyc', id, (s) => s.status === 'completed');
  }
  const failed = await execute('kyc', 'nobody');
  await until('kyc', failed, (s) => s.status === 'failed');
  await execute('kyc', 'hal');
  await execute('kyc-batch', ['ann', 'bob', 'cy', 'dee']);
  await execute('squares', 400);
  await execute('myflow', 'hallo');
  const stopped = await execute('slow', 30_000);
  await post(`/flow/slow/requests/${stopped}/stop`);
  await fetch(`${base}/flows/squares/schedules/hourly`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ cron: '0 * * * *', input: 100 }),
  });
  // Expenses: one waits for its approval, one was approved and waits for its payment.
  await execute('expense', 75);
  const approved = await execute('expense', 120);
  await until('expense', approved, (s) => s.nodes.approve?.status === 'waiting');
  await post(`/flow/expense/requests/${approved}/signals/approve`, { by: 'ana' });
  // Running while the pictures are taken: the workers page shows them.
  for (const ms of [30_000, 30_000, 30_000]) await execute('slow', ms);

  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await mkdir(OUT, { recursive: true });

  await page.goto(`${base}/dashboard/#/`);
  await page.waitForSelector('tr[data-flow=kyc] [data-status=failed]');
  await page.waitForSelector('tr[data-flow=squares] [data-testid=schedules]:text("1")');
  await page.screenshot({ path: `${OUT}flows.png` });

  await page.goto(`${base}/dashboard/#/flows/kyc`);
  await page.locator('svg.dag g.box').first().waitFor();
  await page.waitForSelector(`tr[data-request="${failed}"]`);
  await page.screenshot({ path: `${OUT}flow.png` });

  await until('expense', approved, (s) => s.nodes.pay?.status === 'waiting');
  await page.goto(`${base}/dashboard/#/requests/expense/${approved}`);
  await page.waitForSelector('g.box[data-node=pay][data-status=waiting]');
  await page.waitForSelector('tr[data-related=child]');
  await page.screenshot({ path: `${OUT}request.png` });

  await page.goto(`${base}/dashboard/#/workers`);
  // A heartbeat (every 5 s) after the short requests ended: only the slow ones are listed running.
  /* global document */
  await page.waitForFunction(
    () => {
      const running = [...document.querySelectorAll('[data-testid=running] a')];
      return running.length >= 3 && running.every((a) => a.textContent?.startsWith('slow '));
    },
    undefined,
    { timeout: 15_000 },
  );
  await page.screenshot({ path: `${OUT}workers.png` });

  for (const name of ['flows', 'flow', 'request', 'workers']) {
    const { size } = await stat(`${OUT}${name}.png`);
    console.log(`docs/images/${name}.png  ${Math.round(size / 1000)} kB`);
    if (size >= MAX_BYTES)
      throw new Error(`docs/images/${name}.png is ${size} bytes, over 300 kB.`);
  }
} finally {
  await browser.close();
  const exited = new Promise((done) => demo.once('exit', done));
  demo.kill('SIGTERM');
  await exited;
  await redis.stop();
}
