import { readFileSync } from 'node:fs';
import { ErrorCode } from '@dagflow/flow';
import { expect, it } from 'vitest';
import { statusFor } from '../src/http/http-status.js';

const doc = readFileSync(new URL('../../../docs/errors.md', import.meta.url), 'utf8');

it('documents every error code with its HTTP status in docs/errors.md', () => {
  const sections = new Map(
    doc
      .split(/^### /m)
      .slice(1)
      .map((section) => [section.split('\n')[0]?.trim() ?? '', section] as const),
  );
  const missing = Object.values(ErrorCode).filter((code) => !sections.has(code));
  expect(missing, 'codes without a "### CODE" section').toEqual([]);
  const wrongStatus = Object.values(ErrorCode).filter(
    (code) => !sections.get(code)?.includes(`HTTP ${statusFor[code]}.`),
  );
  expect(wrongStatus, 'codes whose documented HTTP status differs from statusFor').toEqual([]);
});
