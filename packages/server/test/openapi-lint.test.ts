import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lint, loadConfig } from '@redocly/openapi-core';
import { afterAll, describe, expect, it } from 'vitest';
import { API_ROUTES } from '../src/routes/api-routes.js';
import { openApiDocument } from '../src/routes/declaration/openapi.js';

/**
 * Redocly's linter (the engine of `redocly lint`, @redocly/openapi-core) over the served document,
 * written to a file as a client would save it, with the rules of `redocly.yaml` (the recommended set,
 * its warnings made errors).
 */
const dir = mkdtempSync(join(tmpdir(), 'dagflow-openapi-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function problemsOf(document: unknown) {
  const file = join(dir, `openapi-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(document, null, 2));
  const config = await loadConfig({
    configPath: new URL('../redocly.yaml', import.meta.url).pathname,
  });
  const problems = await lint({ ref: file, config });
  return problems.map(
    (problem) =>
      `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer ?? ''}`,
  );
}

describe('GET /openapi.json under Redocly lint', () => {
  it('has no errors and no warnings', async () => {
    expect(await problemsOf(openApiDocument(API_ROUTES))).toEqual([]);
  }, 30_000);

  it('reports a broken document (so the test above can fail)', async () => {
    const broken = structuredClone(openApiDocument(API_ROUTES)) as unknown as {
      info: Record<string, unknown>;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    };
    delete broken.info['license'];
    delete broken.paths['/flows']!['get']!['summary'];
    const problems = await problemsOf(broken);
    expect(problems.join('\n')).toMatch(/info-license/);
    expect(problems.join('\n')).toMatch(/operation-summary/);
  }, 30_000);
});
