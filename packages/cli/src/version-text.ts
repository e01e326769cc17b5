import type { BulkMigrationResult, FlowVersionInfo, MigrationResult } from '@dagflow/engine';

const HEADER = [
  'VERSION',
  'CURRENT',
  'REVISION',
  'PUBLISHED',
  'PENDING/RUNNING/PAUSED',
  'DRAINED',
  'UNAVAILABLE NODES',
] as const;

/**
 * A flow's versions as a table, one line per version (newest first, as listed): whether it is
 * current, its revision, when it was published, its live requests, whether it is drained, and the
 * nodes no live worker can run.
 */
export function versionsTable(versions: readonly FlowVersionInfo[], now = Date.now()): string[] {
  const rows = versions.map((info) => [
    info.version,
    info.current ? 'yes' : '',
    info.revision === undefined ? '–' : String(info.revision),
    `${new Date(info.publishedAt).toISOString()} (${ago(now - info.publishedAt)})`,
    `${info.requests.pending}/${info.requests.running}/${info.requests.paused}`,
    info.drained ? 'yes' : 'no',
    info.unavailable.join(', ') || '–',
  ]);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]?.length ?? 0)),
  );
  return [HEADER, ...rows].map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** What one migration changed: the versions, the dropped and the released nodes. */
export function migrationText(result: MigrationResult): string[] {
  return [
    `migrated request ${result.requestId} from ${result.from} to ${result.to}`,
    `  dropped:  ${result.dropped.join(', ') || 'none'}`,
    `  released: ${result.released.join(', ') || 'none'}`,
  ];
}

/** What a bulk migration did, with each request that could not be migrated and why. */
export function bulkMigrationText(result: BulkMigrationResult): string[] {
  return [
    `migrated ${result.migrated} of ${result.matched} request(s) from ${result.from} to ${result.to}`,
    ...result.failed.map(
      (failure) => `  not migrated: ${failure.requestId}: ${failure.code}: ${failure.message}`,
    ),
  ];
}

/** `40 s ago`, `12 min ago`, `3 h ago`, `2 d ago`. */
function ago(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1_000));
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}
