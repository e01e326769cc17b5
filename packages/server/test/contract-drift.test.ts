import type * as engine from '@dagflow/engine';
import { describe, expectTypeOf, it } from 'vitest';
import type * as wire from '../src/contract/index.js';

/**
 * The contract's types against the engine's, at compile time (`pnpm typecheck`): a field the engine
 * answers that the contract lacks, or a contract type the engine's readers cannot take, fails it.
 * (What the server sends is checked against the document at run time by the conformance test.)
 */
type Missing<Engine, Wire> = Exclude<keyof Engine, keyof Wire>;

describe('the HTTP contract and the engine types', () => {
  it('has every field the engine answers', () => {
    expectTypeOf<Missing<engine.RequestState, wire.RequestState>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.NodeState, wire.NodeState>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.NodeError, wire.NodeError>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.NodeDetail, wire.NodeDetail>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.FlowInfo, wire.FlowInfo>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.RequestSummary, wire.RequestSummary>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.RequestPage, wire.RequestPage>>().toEqualTypeOf<never>();
    type WireAuditEntry = wire.AuditLogResponse['entries'][number];
    expectTypeOf<Missing<engine.AuditEntry, WireAuditEntry>>().toEqualTypeOf<never>();
    expectTypeOf<
      Missing<engine.AuditTarget, NonNullable<WireAuditEntry['target']>>
    >().toEqualTypeOf<never>();
    expectTypeOf<
      Missing<engine.FlowVersionInfo, wire.FlowVersionResponse>
    >().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.Migration, wire.MigrationRecord>>().toEqualTypeOf<never>();
    expectTypeOf<Missing<engine.MigrationResult, wire.MigrationResponse>>().toEqualTypeOf<never>();
    expectTypeOf<
      Missing<engine.BulkMigrationResult, wire.BulkMigrationResponse>
    >().toEqualTypeOf<never>();
  });

  it('gives types the engine-typed readers (the CLI) can take', () => {
    expectTypeOf<wire.RequestState>().toExtend<engine.RequestState>();
    expectTypeOf<wire.NodeDetail>().toExtend<engine.NodeDetail>();
    expectTypeOf<wire.FlowInfo>().toExtend<engine.FlowInfo>();
    expectTypeOf<wire.RequestPage>().toExtend<engine.RequestPage>();
    expectTypeOf<wire.DagDescription>().toEqualTypeOf<engine.DagDescription>();
    expectTypeOf<wire.FlowVersionResponse>().toExtend<engine.FlowVersionInfo>();
    expectTypeOf<wire.MigrationResponse>().toExtend<engine.MigrationResult>();
    expectTypeOf<wire.BulkMigrationResponse>().toExtend<engine.BulkMigrationResult>();
  });
});
