import { describe, expect, it } from 'vitest';
import { tryLines } from '../src/try-lines.js';

describe('the sample requests the demo prints', () => {
  it("send the expense's approve signal a JSON payload, not an empty body", () => {
    const line = tryLines('http://localhost:8080').find((l) => l.includes('/signals/approve'));
    expect(line).toContain("-H 'content-type: application/json'");
    const body = /-d '([^']*)'/.exec(line ?? '')?.[1];
    expect(JSON.parse(body ?? 'null')).toEqual({ by: 'ana' });
  });
});
