import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { ROUTE_ACCESS, flowOf } from '../src/routes/access.js';

/**
 * docs/security.md's role table against the route table: one row per row of `ROUTE_ACCESS`, in its
 * order (the least role, and what a flow-scoped token may do there). On a difference the test prints
 * the table to paste between the `role-table` markers.
 */
const SCOPE = {
  flow: 'its flows only',
  none: 'yes',
  'every-flow': 'no (needs an unscoped token)',
} as const;

/** Routes without a flow in the path that check the scope themselves. */
const OWN_CHECK: Readonly<Record<string, string>> = {
  'GET /flows': 'lists its flows only',
  'POST /flows': "its flows only (the definition's name)",
};

function rows(): string[][] {
  return ROUTE_ACCESS.map(([method, path, access]) => {
    const example = path.replace(/:[A-Za-z]+/g, 'x').replace(/\*$/, 'x');
    const scope =
      access === 'open'
        ? '-'
        : (OWN_CHECK[`${method} ${path}`] ??
          SCOPE[flowOf(method === '*' ? 'GET' : method, example).kind]);
    return [method === '*' ? 'any' : method, `\`${path}\``, `\`${access}\``, scope];
  });
}

const HEADER = ['method', 'path', 'least role', 'flow-scoped token'];

function markdown(table: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(HEADER), line(HEADER.map(() => '---')), ...table.map(line)].join('\n');
}

it("docs/security.md's role table is the route table", () => {
  const doc = readFileSync(new URL('../../../docs/security.md', import.meta.url), 'utf8');
  const start = doc.indexOf('<!-- role-table -->');
  const end = doc.indexOf('<!-- /role-table -->');
  expect(
    start,
    'docs/security.md has <!-- role-table --> ... <!-- /role-table -->',
  ).toBeGreaterThan(0);
  const documented = doc
    .slice(start, end)
    .split('\n')
    .filter((line) => line.startsWith('|'))
    .slice(2)
    .map((line) =>
      line
        .slice(1, -1)
        .split('|')
        .map((cell) => cell.trim()),
    );
  expect(documented, `the table should read:\n\n${markdown(rows())}\n`).toEqual(rows());
});
