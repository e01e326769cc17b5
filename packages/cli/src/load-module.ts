import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './usage-error.js';

/** File names Node.js reads as TypeScript. */
const TYPESCRIPT = /\.[cm]?ts$/;

/**
 * Imports the module at `path` (relative to the working directory): JavaScript as it is; TypeScript
 * (`.ts`, `.mts`, `.cts`) natively where this Node.js strips types (22.18+, or 22.6+ with
 * `--experimental-strip-types`), else through `tsx` when the module's project has it installed.
 * @throws UsageError for a TypeScript file that neither can load, saying what to install or do
 */
export async function importModule(path: string): Promise<Record<string, unknown>> {
  const file = resolve(path);
  if (TYPESCRIPT.test(file) && !stripsTypes()) await registerTsx(file, path);
  return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
}

/** Whether this Node.js runs TypeScript files itself (`process.features.typescript`, Node 22.10+). */
function stripsTypes(): boolean {
  const features = process.features as { readonly typescript?: string | false };
  return typeof features.typescript === 'string';
}

/**
 * Registers tsx's loader from the project that holds `file` (importing `tsx/esm` registers it, as
 * `node --import tsx/esm` does); throws if that project has no tsx.
 */
async function registerTsx(file: string, path: string): Promise<void> {
  let loader: string;
  try {
    loader = createRequire(file).resolve('tsx/esm');
  } catch (error) {
    throw new UsageError(
      `Cannot load TypeScript '${path}': Node.js ${process.version} does not run .ts files by itself ` +
        '(22.18+ does; 22.6+ with NODE_OPTIONS=--experimental-strip-types), and tsx is not installed ' +
        `where '${path}' is. Install it (npm install --save-dev tsx) or compile the file to JavaScript.`,
      { cause: error },
    );
  }
  await import(pathToFileURL(loader).href);
}
