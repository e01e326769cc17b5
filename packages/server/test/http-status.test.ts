import { ErrorCode } from '@dagflow/flow';
import { expect, it } from 'vitest';
import { statusFor } from '../src/http/http-status.js';

it('maps every error code to a 4xx or 5xx status', () => {
  for (const code of Object.values(ErrorCode)) {
    expect(statusFor[code], code).toBeGreaterThanOrEqual(400);
    expect(statusFor[code], code).toBeLessThan(600);
  }
});
