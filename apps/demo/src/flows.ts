import type { Dag, FlowService, StreamInput } from '@dagflow/engine';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** GoFlow's first example: one node answering `you said "<body>"`. */
export function myflow(dag: Dag): void {
  dag.node(
    'hello',
    (input: unknown) => `you said "${typeof input === 'string' ? input : JSON.stringify(input)}"`,
  );
}

interface Image {
  readonly user: string;
  readonly url: string;
  readonly bytes: number;
}

/** A KYC diamond: get-image, then face-detect and face-match in parallel, then mark-profile; user `nobody` fails. */
export function kyc(dag: Dag): void {
  dag.node(
    'get-image',
    async (input: unknown): Promise<Image> => {
      await sleep(50 + Math.random() * 100);
      const user = typeof input === 'string' && input !== '' ? input : 'anonymous';
      // A user with no image fails (after its retries): how a failed request looks.
      if (user === 'nobody') throw new Error('no image on file for nobody');
      return { user, url: `https://images.example/${encodeURIComponent(user)}.jpg`, bytes: 48_213 };
    },
    { retries: 2, backoff: { type: 'exponential', delayMs: 200 }, timeoutMs: 5_000 },
  );
  dag.node('face-detect', async (image: Image) => {
    await sleep(80 + Math.random() * 120);
    return { faces: 1, box: [112, 64, 208, 208], source: image.url };
  });
  dag.node('face-match', async (image: Image, ctx) => {
    ctx.log.info('matching face', { user: image.user });
    await sleep(80 + Math.random() * 120);
    ctx.log.info('match found', { score: 0.97 });
    return { user: image.user, score: 0.97 };
  });
  dag.node(
    'mark-profile',
    async (merged: { faces: number; user: string; score: number }) => {
      await sleep(50);
      return {
        user: merged.user,
        verified: merged.faces === 1 && merged.score > 0.9,
        score: merged.score,
      };
    },
    {
      aggregator: (outs) => ({
        ...(outs['face-detect'] as object),
        ...(outs['face-match'] as object),
      }),
    },
  );
  dag.edge('get-image', 'face-detect');
  dag.edge('get-image', 'face-match');
  dag.edge('face-detect', 'mark-profile');
  dag.edge('face-match', 'mark-profile');
}

/** For-each over users, each running the KYC diamond as a sub-DAG, then a summary. */
export function kycBatch(dag: Dag, kycDag: Dag): void {
  const each = dag.forEachBranch('each-user', (users: string[]) =>
    Object.fromEntries(users.map((user) => [user, user])),
  );
  each.subDag('verify', kycDag);
  dag.node('summary', (results: Record<string, { verified: boolean }>) => ({
    users: Object.keys(results).length,
    verified: Object.values(results).filter((r) => r.verified).length,
  }));
  dag.edge('each-user', 'summary');
}

/** Three steps of `input` ms each (default 1,000): slow enough to pause, resume or stop from the dashboard. */
export function slow(dag: Dag): void {
  const wait = async (ms: unknown): Promise<number> => {
    const duration = typeof ms === 'number' && ms >= 0 && ms <= 60_000 ? ms : 1_000;
    await sleep(duration);
    return duration;
  };
  dag.node('prepare', wait).node('work', wait).node('finish', wait);
  dag.edge('prepare', 'work').edge('work', 'finish');
}

/** For-each over `n` numbers (default 100, at most 10,000): square each, then sum the squares. */
export function squares(dag: Dag): void {
  dag
    .forEachBranch('each-number', (n: unknown) => {
      const count = typeof n === 'number' && n >= 0 && n <= 10_000 ? Math.floor(n) : 100;
      return Object.fromEntries(Array.from({ length: count }, (_, i) => [String(i), i]));
    })
    .node('square', (i: number) => i * i);
  dag.node('sum', (squared: Record<string, number>) =>
    Object.values(squared).reduce((total, value) => total + value, 0),
  );
  dag.edge('each-number', 'sum');
}

/** An expense: submitted, then it waits for the `approve` signal, cools off, and pays through a child request of `payments`. */
export function expense(dag: Dag): void {
  dag.node('submit', async (input: unknown) => {
    await sleep(100);
    return { amount: typeof input === 'number' ? input : 42 };
  });
  // POST /flow/expense/requests/<id>/signals/approve with a JSON body such as {"by":"ana"} delivers
  // it (or the request page's form); the payload is the payment's input.
  dag.signal('approve', { timeoutMs: 3_600_000 });
  dag.sleep('cool-off', 2_000);
  dag.flow('pay', 'payments', { input: (approval: unknown) => approval });
  dag.node('notify', (paid: unknown) => ({ notified: true, paid }));
  dag.edge('submit', 'approve').edge('approve', 'cool-off').edge('cool-off', 'pay');
  dag.edge('pay', 'notify');
}

/** A payment in two steps of 1.5 s: the child flow of `expense`. */
export function payments(dag: Dag): void {
  dag.node('charge', async (input: unknown) => (await sleep(1_500), { charged: input }));
  dag.node(
    'receipt',
    async (charged: unknown) => (await sleep(1_500), { receipt: 'r-1', charged }),
  );
  dag.edge('charge', 'receipt');
}

/**
 * A token generator feeding a consumer through a stream edge: `generate` emits the words of a sentence
 * (`input.words` of them, default 12) one every `input.gapMs` (default 150 ms), like a language model;
 * `speak` starts as soon as `generate` does and "speaks" each word as it comes (emitting it in capitals
 * on its own), then returns how many it spoke and `generate`'s text. Watch it with
 * `curl -N <base>/flow/story/requests/<id>/stream` or on the request page.
 */
export function story(dag: Dag): void {
  dag.node('generate', async (input: { words?: number; gapMs?: number } | null, ctx) => {
    const words = STORY.slice(0, input?.words ?? 12);
    for (const word of words) {
      await sleep(input?.gapMs ?? 150);
      await ctx.emit(word);
    }
    return words.join(' ');
  });
  dag.node('speak', async (words: StreamInput<string>, ctx) => {
    let spoken = 0;
    for await (const word of words) {
      await ctx.emit(word.toUpperCase());
      spoken += 1;
    }
    return { spoken, text: await words.output() };
  });
  dag.edge('generate', 'speak', { stream: true });
}

const STORY =
  'once upon a time a small graph of steps learned to talk while it was still thinking'.split(' ');

/**
 * Revision 2 of the KYC flow, to try a rolling deploy (`DEMO_REVISION=2`): the same diamond, then an
 * `audit` step after `mark-profile` that stamps the result. Requests started on revision 1 keep its shape
 * (no audit) and finish on workers of either revision.
 */
export function kycAudited(dag: Dag): void {
  kyc(dag);
  dag.node('audit', (profile: object) => ({ ...profile, audited: true }));
  dag.edge('mark-profile', 'audit');
}

/**
 * Registers the demo flows; `revision` 2 (`DEMO_REVISION`) changes the KYC flow (see {@link kycAudited}).
 */
export function registerDemoFlows(service: FlowService, newDag: () => Dag, revision = 1): void {
  const kycDag = newDag();
  kyc(kycDag);
  const options = { revision };
  service.register('myflow', myflow, options);
  service.register('kyc', revision >= 2 ? kycAudited : kyc, options);
  service.register('kyc-batch', (dag) => kycBatch(dag, kycDag), options);
  service.register('slow', slow, options);
  service.register('squares', squares, options);
  service.register('expense', expense, options);
  service.register('payments', payments, options);
  service.register('story', story, options);
}
