import { DagflowError, ErrorCode } from '@dagflow/flow';
import type { PlanSource } from '../plan-source.js';
import type { ServiceResources } from '../service-resources.js';
import type { ControlCommand } from '../store/state-results.js';
import type { BulkMigrationResult, MigrationResult } from '../types.js';

/** What a migration needs of its client. */
export interface MigrationDeps {
  readonly res: ServiceResources;
  readonly plans: PlanSource;
  readonly control: (flow: string, requestId: string, command: ControlCommand) => Promise<void>;
}

/** See `FlowClient.migrate`. */
export function migrateRequest(
  deps: MigrationDeps,
  flow: string,
  requestId: string,
): Promise<MigrationResult> {
  void deps;
  return Promise.reject(
    new DagflowError(ErrorCode.MIGRATION_REFUSED, `not yet: ${flow}/${requestId}`),
  );
}

/** See `FlowClient.migrateAll`. */
export function migrateVersion(
  deps: MigrationDeps,
  flow: string,
  from: string,
): Promise<BulkMigrationResult> {
  void deps;
  return Promise.resolve({ from, to: flow, matched: 0, migrated: 0, failed: [] });
}
