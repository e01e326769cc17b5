import { spawnSync } from 'node:child_process';

/**
 * Whether `promtool` is on the PATH. Under CI (`CI=true`) it must be (`.ci/run` installs it): a missing
 * binary throws there rather than letting the metrics lint be skipped.
 */
export function hasPromtool(): boolean {
  const found = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
  if (!found && process.env['CI'] === 'true') {
    throw new Error(
      'promtool is not installed, and CI=true requires the metrics lint: run .ci/run.',
    );
  }
  return found;
}

/** The problems `promtool check metrics` finds in a Prometheus text exposition ('' when it passes). */
export function promtoolProblems(exposition: string): string {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error !== undefined) throw run.error;
  return run.status === 0 ? '' : `${run.stdout}${run.stderr}`.trim() || `exit ${run.status}`;
}
