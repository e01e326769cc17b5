import { readFileSync } from 'node:fs';

/** The version of `@dagflow/engine` running here, from its package.json. */
export const ENGINE_VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
