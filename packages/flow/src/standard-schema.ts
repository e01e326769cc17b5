/**
 * The Standard Schema interface (v1, standardschema.dev) that zod, valibot, arktype and others
 * implement, declared here so that dagflow depends on none of them. Only the parts dagflow reads.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  /** The library's implementation of the interface. */
  readonly '~standard': StandardSchemaProps<Input, Output>;
}

/** The `~standard` property of a {@link StandardSchemaV1}. */
export interface StandardSchemaProps<Input = unknown, Output = Input> {
  /** Version of the interface: 1. */
  readonly version: 1;
  /** The library that made the schema (`zod`, `valibot`...). */
  readonly vendor: string;
  /** Checks a value: its (possibly transformed) value, or the issues found. */
  readonly validate: (
    value: unknown,
  ) => StandardSchemaResult<Output> | Promise<StandardSchemaResult<Output>>;
  /** Carries the input and output types for inference; absent at run time. */
  readonly types?: { readonly input: Input; readonly output: Output } | undefined;
  /**
   * Standard JSON Schema (standardschema.dev/json-schema), where the library offers it (zod 4.2+,
   * arktype 2.1.28+, valibot through `@valibot/to-json-schema`).
   */
  readonly jsonSchema?: StandardJsonSchemaConverter | undefined;
}

/** Converts a schema to JSON Schema: the Standard JSON Schema v1 interface. */
export interface StandardJsonSchemaConverter {
  /** The JSON Schema of the values the schema accepts, for `target` (dagflow asks `draft-2020-12`). */
  input(options: { readonly target: string }): Record<string, unknown>;
}

/** What a Standard Schema's `validate` answers: the value, or the issues. */
export type StandardSchemaResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: readonly StandardSchemaIssue[] };

/** One problem a Standard Schema found. */
export interface StandardSchemaIssue {
  /** What is wrong. */
  readonly message: string;
  /** Where: keys from the root of the value, or path segments `{ key }`. */
  readonly path?: readonly (PropertyKey | { readonly key: PropertyKey })[] | undefined;
}

/** The type a schema accepts (what a caller passes). */
export type InferSchemaInput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['input'];

/** The type a schema gives back once it validated (after its transforms and defaults). */
export type InferSchemaOutput<S extends StandardSchemaV1> = NonNullable<
  S['~standard']['types']
>['output'];

/** An issue as dagflow reports it (error details, HTTP answers): plain JSON. */
export interface SchemaIssue {
  readonly message: string;
  /** Keys from the root of the value (`['user', 'email']`, `['items', 2]`); empty for the value itself. */
  readonly path: readonly (string | number)[];
}

/** What {@link checkSchema} answers: the schema's value, or the issues in plain JSON. */
export type SchemaCheck =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly issues: readonly SchemaIssue[] };

/** Validates `value` with a Standard Schema (sync or async). */
export async function checkSchema(schema: StandardSchemaV1, value: unknown): Promise<SchemaCheck> {
  const result = await schema['~standard'].validate(value);
  if (result.issues === undefined) return { ok: true, value: result.value };
  return { ok: false, issues: result.issues.map(plainIssue) };
}

/** Issues in one line: `email: Invalid email; age: Expected number`. */
export function describeIssues(issues: readonly SchemaIssue[]): string {
  return issues
    .map((issue) =>
      issue.path.length === 0 ? issue.message : `${issue.path.join('.')}: ${issue.message}`,
    )
    .join('; ');
}

/**
 * The JSON Schema (draft 2020-12) of what a schema accepts, when it implements Standard JSON Schema
 * and can express itself in it; otherwise undefined.
 */
export function inputJsonSchemaOf(schema: StandardSchemaV1): Record<string, unknown> | undefined {
  const converter = schema['~standard'].jsonSchema;
  if (converter === undefined) return undefined;
  try {
    return converter.input({ target: 'draft-2020-12' });
  } catch {
    // Some schemas have no JSON Schema form (custom refinements, functions): the flow simply has none.
    return undefined;
  }
}

function plainIssue(issue: StandardSchemaIssue): SchemaIssue {
  const path = (issue.path ?? []).map((segment) => {
    const key = typeof segment === 'object' ? segment.key : segment;
    return typeof key === 'number' ? key : String(key);
  });
  return { message: issue.message, path };
}
