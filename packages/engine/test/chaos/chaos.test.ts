import { expect, it } from 'vitest';
import { ChaosCluster } from './cluster.js';
import { chaosConfig } from './config.js';
import { checkShape, deployStats } from './deploy-checks.js';
import { driveToEnd } from './drive.js';
import { checkRequest, gatherFacts, repeatsOf, type Violation } from './invariants.js';
import { type NodeRecovery, checkRecovery } from './recovery.js';
import { report } from './report.js';
import { QueuedActiveSampler } from './sampler.js';
import { runChaos, sampleUntil } from './schedule.js';
import { type FaultRecord, newTimeline } from './timeline.js';
import { CHAOS_FLOW } from '../fixtures/chaos-flow.mjs';
import { prefixFor } from '../integration/helpers.js';

const config = chaosConfig();
/** Time to drive every request to its end after the chaos phase (two lock expiries and reruns). */
const DRIVE_MS = Math.max(30_000, 2 * config.lockMs + 10_000);

it(
  `keeps every invariant under seeded commands, kills, Redis restarts, cuts and rolling deploys (seed ${config.seed})`,
  async () => {
    console.log(`chaos seed ${config.seed} (replay with DAGFLOW_CHAOS_SEED=${config.seed})`);
    const started = Date.now();
    const cluster = await ChaosCluster.start(config, prefixFor());
    try {
      const timeline = newTimeline();
      const sampler = new QueuedActiveSampler(cluster, timeline, config);
      const watchers = await runChaos(cluster, timeline, sampler);
      let driving = true;
      const sampling = sampleUntil(sampler, () => !driving);
      const unfinished = await driveToEnd(cluster, timeline, DRIVE_MS).finally(() => {
        driving = false;
      });
      await sampling;
      const watched = new Map<FaultRecord, NodeRecovery[]>();
      for (const [fault, watcher] of watchers) watched.set(fault, await watcher);
      await new Promise((resolve) => setTimeout(resolve, 1_000)); // late stale attempts land
      await sampler.sample();

      const runs = await cluster.log.all();
      const facts = await gatherFacts(cluster, timeline.requestIds, runs);
      const versions = await cluster.client.versions(CHAOS_FLOW);
      const violations: Violation[] = facts.flatMap((f) => [
        ...checkRequest(f, timeline),
        ...checkShape(f, timeline, versions),
      ]);
      for (const q of timeline.queuedWhileActive) {
        violations.push({
          invariant: '4 never queued while active',
          requestId: q.requestId,
          node: q.path,
          detail: `job ${q.jobId} active while the state said queued for ${q.forMs} ms or more (request ${q.status}, job lock ttl ${q.lockTtlMs} ms)`,
        });
      }
      const recovery = checkRecovery(timeline, watched, {
        limitMs: config.recoveryLimitMs,
        gracefulMs: config.lockMs,
      });
      violations.push(...recovery.violations);
      const text = report({
        config,
        timeline,
        facts,
        runs,
        recoveries: recovery.recoveries,
        violations,
        deploys: deployStats({ facts, timeline, versions, runs, codeOf: cluster.codeOf }),
        giveBacks: cluster.stoppedGiveBacks + (await cluster.liveGiveBacks()),
        elapsedMs: Date.now() - started,
      });
      console.log(text);
      if (process.env['DAGFLOW_CHAOS_VERBOSE'] === '1') {
        for (const [fault, nodes] of watched) {
          console.log(
            fault.detail,
            nodes.map((n) => `${n.requestId} ${n.path} ${n.ms ?? n.held ?? 'open'}`),
          );
        }
        for (const f of facts) {
          for (const { node, runs: repeated } of repeatsOf(f)) {
            const at = repeated.map((r) => `pid ${r.pid} att ${r.att} +${r.s - timeline.start}`);
            console.log('repeat', f.requestId, node, at);
          }
        }
      }
      expect(unfinished.length === 0 || violations.length > 0, 'unfinished but no violation').toBe(
        true,
      );
      expect(violations, text).toEqual([]);
    } finally {
      await cluster.close();
    }
  },
  config.chaosMs + DRIVE_MS + config.recoveryLimitMs + 120_000,
);
