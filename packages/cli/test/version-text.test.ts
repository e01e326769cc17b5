import { describe, expect, it } from 'vitest';
import { bulkMigrationText, migrationText, versionsTable } from '../src/version-text.js';

const NOW = Date.parse('2026-12-06T12:00:00.000Z');

describe('dagflow versions and migrate output', () => {
  it('tables the versions: current, revision, published, live requests, drained, unavailable', () => {
    const lines = versionsTable(
      [
        {
          version: 'bbbbbbbbbbbb',
          current: true,
          revision: 3,
          publishedAt: NOW - 90_000,
          requests: { pending: 1, running: 12, paused: 0 },
          nodeWorkers: { a: 2, d: 2 },
          unavailable: [],
          drained: false,
        },
        {
          version: 'aaaaaaaaaaaa',
          current: false,
          publishedAt: NOW - 2 * 86_400_000,
          requests: { pending: 0, running: 4, paused: 1 },
          nodeWorkers: { a: 2, b: 0, c: 0 },
          unavailable: ['b', 'c'],
          drained: false,
        },
      ],
      NOW,
    );
    expect(lines).toEqual([
      'VERSION       CURRENT  REVISION  PUBLISHED                             PENDING/RUNNING/PAUSED  DRAINED  UNAVAILABLE NODES',
      'bbbbbbbbbbbb  yes      3         2026-12-06T11:58:30.000Z (1 min ago)  1/12/0                  no       –',
      'aaaaaaaaaaaa           –         2026-12-04T12:00:00.000Z (2 d ago)    0/4/1                   no       b, c',
    ]);
  });

  it('prints only the header for a flow without published versions', () => {
    expect(versionsTable([], NOW)).toHaveLength(1);
  });

  it('says what a migration dropped and released', () => {
    const result = {
      requestId: 'r1',
      from: 'aaaaaaaaaaaa',
      to: 'bbbbbbbbbbbb',
      at: NOW,
      dropped: ['b'],
      released: [],
    };
    expect(migrationText(result)).toEqual([
      'migrated request r1 from aaaaaaaaaaaa to bbbbbbbbbbbb',
      '  dropped:  b',
      '  released: none',
    ]);
  });

  it('lists the requests a bulk migration could not move, with their code', () => {
    const result = {
      from: 'aaaaaaaaaaaa',
      to: 'bbbbbbbbbbbb',
      matched: 3,
      migrated: 2,
      failed: [{ requestId: 'r3', code: 'MIGRATION_REFUSED', message: 'Node b runs now.' }],
    };
    expect(bulkMigrationText(result)).toEqual([
      'migrated 2 of 3 request(s) from aaaaaaaaaaaa to bbbbbbbbbbbb',
      '  not migrated: r3: MIGRATION_REFUSED: Node b runs now.',
    ]);
  });
});
