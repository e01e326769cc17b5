import { type ChildProcess, spawn } from 'node:child_process';
import { freePort, testPrefix, waitFor } from '@dagflow/test-utils';
import { afterEach, expect, inject, it } from 'vitest';

const MAIN = new URL('../../../../apps/demo/dist/main.js', import.meta.url).pathname;
const started: ChildProcess[] = [];

/** Starts the demo in `mode` (server or worker) at `revision`; resolves once it says it is up. */
async function demo(
  mode: 'server' | 'worker',
  env: Record<string, string>,
  revision: number,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, [MAIN, mode], {
    env: { ...process.env, ...env, DEMO_REVISION: String(revision), LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  await new Promise<void>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (/ready|is up/.test(out)) resolve();
    });
    child.once('exit', (code) =>
      reject(new Error(`demo ${mode} exited (${String(code)}): ${out}`)),
    );
  });
  return child;
}

/** SIGTERM, as a rolling deploy sends: the demo drains its running nodes, then exits. */
function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((child) => stop(child)));
});

it('a rolling deploy of the demo onto a changed flow, under steady load, loses, fails and doubles no request', async () => {
  const prefix = testPrefix(import.meta.url, 'demo rolling deploy');
  const port = await freePort();
  const env = { REDIS_URL: inject('redisUrl'), DAGFLOW_PREFIX: prefix, PORT: String(port) };
  const base = `http://127.0.0.1:${port}`;
  let server = await demo('server', env, 1);
  const workers = [await demo('worker', env, 1), await demo('worker', env, 1)];

  // Steady load: a KYC request every 25 ms, an expense (signal, sleep, child flow) every 400 ms.
  const kyc: string[] = [];
  const expenses: string[] = [];
  let refused = 0;
  let loading = true;
  const post = async (
    path: string,
    body: string,
    type = 'text/plain',
  ): Promise<string | undefined> => {
    try {
      const response = await fetch(`${base}${path}`, {
        method: 'POST',
        body,
        headers: { 'content-type': type },
      });
      if (response.status !== 202) throw new Error(`status ${response.status}`);
      return ((await response.json()) as { requestId: string }).requestId;
    } catch {
      refused += 1; // the server is restarting: not accepted, so nothing to lose
      return undefined;
    }
  };
  const load = (async () => {
    for (let i = 0; loading; i++) {
      const id = await post('/flow/kyc', `user-${i}`);
      if (id !== undefined) kyc.push(id);
      if (i % 16 === 0) {
        const expense = await post('/flow/expense', String(i), 'application/json');
        if (expense !== undefined) expenses.push(expense);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(1_500);
  // The rollout: each worker stopped and started on revision 2, then the server.
  for (let i = 0; i < workers.length; i++) {
    await stop(workers[i]!);
    workers[i] = await demo('worker', env, 2);
    await sleep(700);
  }
  await stop(server);
  server = await demo('server', env, 2);
  await sleep(1_500);
  loading = false;
  await load;

  const state = async (flow: string, id: string) =>
    (await (await fetch(`${base}/flow/${flow}/requests/${id}`)).json()) as {
      status: string;
      version: string;
      nodes: Record<string, { status: string; attempts: number }>;
    };
  // Approve every expense once it waits for its signal.
  await waitFor(
    async () => {
      for (const id of expenses) {
        const s = await state('expense', id);
        if (s.nodes['approve']?.status === 'waiting')
          await fetch(`${base}/flow/expense/requests/${id}/signals/approve`, { method: 'POST' });
      }
      const all = await Promise.all(expenses.map((id) => state('expense', id)));
      return all.every((s) => s.nodes['approve']?.status === 'completed');
    },
    { timeoutMs: 20_000, intervalMs: 200 },
  );
  const ended = (s: { status: string }) => ['completed', 'failed', 'stopped'].includes(s.status);
  await waitFor(
    async () =>
      (
        await Promise.all([
          ...kyc.map((id) => state('kyc', id)),
          ...expenses.map((id) => state('expense', id)),
        ])
      ).every(ended),
    { timeoutMs: 30_000, intervalMs: 250 },
  );

  const versions = new Map<string, number>();
  for (const id of kyc) {
    const s = await state('kyc', id);
    expect(s.status, `kyc ${id}`).toBe('completed');
    for (const [path, node] of Object.entries(s.nodes))
      expect(node.attempts, `kyc ${id} ${path}`).toBe(1);
    versions.set(s.version, (versions.get(s.version) ?? 0) + 1);
    const result = (await (await fetch(`${base}/flow/kyc/requests/${id}/result`)).json()) as {
      verified: boolean;
      audited?: boolean;
    };
    expect(result.verified).toBe(true);
    // A request keeps the shape it started with: revision 2's adds the audit step.
    expect(result.audited === true).toBe('audit' in s.nodes);
  }
  for (const id of expenses) {
    const s = await state('expense', id);
    expect(s.status, `expense ${id}`).toBe('completed');
  }
  expect(kyc.length).toBeGreaterThan(50);
  expect(versions.size).toBe(2); // requests of both shapes ran through the rollout
  console.log(
    `rolling deploy of the demo: ${kyc.length} kyc and ${expenses.length} expense requests accepted (by version: ${[...versions.values()].join(' + ')}), ${refused} refused while the server restarted; all completed, every node once`,
  );
}, 120_000);
