import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { parse as parseYaml } from 'yaml';

/**
 * Parses a declarative flow definition from JSON or YAML text.
 * @throws DagflowError `DEFINITION_INVALID` when the text does not parse
 */
export function parseDefinition(text: string, format: 'json' | 'yaml'): unknown {
  try {
    return format === 'json' ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (error) {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `The flow definition is not valid ${format.toUpperCase()}: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
}

/** Reads a definition file: YAML for `.yaml`/`.yml`, JSON otherwise. */
export async function readDefinition(path: string): Promise<unknown> {
  const extension = extname(path).toLowerCase();
  return parseDefinition(
    await readFile(path, 'utf8'),
    extension === '.yaml' || extension === '.yml' ? 'yaml' : 'json',
  );
}
