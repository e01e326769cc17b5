import { createHash } from 'node:crypto';

/** A key prefix unique to one test: `t-` and a hash of its file and name, plus a random part. */
export function testPrefix(file: string, name: string): string {
  const hash = createHash('sha1').update(`${file}\n${name}`).digest('hex').slice(0, 10);
  return `t-${hash}-${Math.random().toString(36).slice(2, 8)}`;
}
