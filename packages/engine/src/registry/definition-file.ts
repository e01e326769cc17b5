import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { parse as parseYaml } from 'yaml';
import { MAX_NESTING_DEPTH, jsonDepth, yamlDepth } from '../infra/nesting-depth.js';

/** The largest definition text accepted (characters); definitions are small, their requests are not. */
export const MAX_DEFINITION_LENGTH = 1024 * 1024;

/** At most this many alias nodes (`*name`) in a YAML definition, so that aliases cannot multiply its size. */
const MAX_YAML_ALIASES = 100;

/**
 * Parses a declarative flow definition from JSON or YAML text. The text's length and nesting depth
 * (at most 64 levels) are checked before parsing, and YAML aliases are limited, so that no definition
 * can exhaust the process's stack or heap.
 * @throws DagflowError `PAYLOAD_TOO_LARGE` over 1 Mi characters, `DEFINITION_INVALID` when the text
 * nests too deep or does not parse
 */
export function parseDefinition(text: string, format: 'json' | 'yaml'): unknown {
  if (text.length > MAX_DEFINITION_LENGTH) {
    throw new DagflowError(
      ErrorCode.PAYLOAD_TOO_LARGE,
      `The flow definition is ${text.length} characters long, over the ${MAX_DEFINITION_LENGTH}-character limit.`,
      { details: { limit: MAX_DEFINITION_LENGTH } },
    );
  }
  const depth = format === 'json' ? jsonDepth(text) : yamlDepth(text);
  if (depth > MAX_NESTING_DEPTH) {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `The flow definition nests ${depth} levels deep, over the limit of ${MAX_NESTING_DEPTH}.`,
      { details: { limit: MAX_NESTING_DEPTH } },
    );
  }
  try {
    return format === 'json'
      ? (JSON.parse(text) as unknown)
      : (parseYaml(text, { maxAliasCount: MAX_YAML_ALIASES, uniqueKeys: true }) as unknown);
  } catch (error) {
    throw new DagflowError(
      ErrorCode.DEFINITION_INVALID,
      `The flow definition is not valid ${format.toUpperCase()}: ${(error as Error).message}`,
      { cause: error },
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
