import type { SchemaIssue } from '@dagflow/flow';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import ajvFormats from 'ajv-formats';

/** Compiled input schemas kept, by flow and version; the least recently used goes first. */
const CACHE_SIZE = 256;
/** Issues reported of one input at most (the first ones). */
const MAX_ISSUES = 50;

/** JSON Schema 2020-12 (what Standard JSON Schema gives), and draft-07 for schemas that declare it. */
const DRAFT_2020 = new Ajv2020({ strict: false, allErrors: true });
const DRAFT_07 = new Ajv({ strict: false, allErrors: true });
// A CommonJS module: its `default` is the plugin, as is the module itself.
ajvFormats.default(DRAFT_2020);
ajvFormats.default(DRAFT_07);

/** A compiled schema, or `null` for one that does not compile (the input is then not checked). */
const compiled = new Map<string, ValidateFunction | null>();

/**
 * The issues of `input` against a flow version's published JSON Schema (the description's
 * `inputSchema`), compiled once per flow version and kept in a bounded cache; `[]` when it passes.
 * A schema Ajv cannot compile checks nothing: it is the flow author's to fix, not the caller's.
 */
export function jsonSchemaIssues(
  flow: { readonly name: string; readonly version: string },
  schema: Readonly<Record<string, unknown>>,
  input: unknown,
): SchemaIssue[] {
  const validate = validatorOf(`${flow.name}\u0000${flow.version}`, schema);
  if (validate === null || validate(input)) return [];
  return (validate.errors ?? []).slice(0, MAX_ISSUES).map(issueOf);
}

function validatorOf(
  key: string,
  schema: Readonly<Record<string, unknown>>,
): ValidateFunction | null {
  const known = compiled.get(key);
  if (known !== undefined) {
    // Most recently used last.
    compiled.delete(key);
    compiled.set(key, known);
    return known;
  }
  const declared = schema['$schema'];
  const draft =
    typeof declared === 'string' && /draft-0[467]/.test(declared) ? DRAFT_07 : DRAFT_2020;
  let validate: ValidateFunction | null;
  try {
    validate = draft.compile(schema);
  } catch {
    validate = null;
  }
  if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, validate);
  return validate;
}

/** An Ajv error as the issue a Standard Schema would give: the keys to the value, and what is wrong. */
function issueOf(error: ErrorObject): SchemaIssue {
  const path: (string | number)[] = error.instancePath
    .split('/')
    .slice(1)
    .map((key) => key.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((key) => (/^(0|[1-9]\d*)$/.test(key) ? Number(key) : key));
  const missing = (error.params as { missingProperty?: unknown }).missingProperty;
  if (error.keyword === 'required' && typeof missing === 'string') path.push(missing);
  return { message: error.message ?? `fails ${error.keyword}`, path };
}
