import {
  DagflowError,
  ErrorCode,
  type SchemaIssue,
  checkSchema,
  describeIssues,
} from '@dagflow/flow';
import { jsonSchemaIssues } from './json-schema-check.js';
import type { FlowPlan } from '../../plan/flow-plan.js';

/**
 * The input a request of `plan` starts with: the value its `input` schema gives (after transforms and
 * defaults); else, where this process has no such schema (it lacks the flow's code: a flow of another
 * service, a declarative one), the input as given once it passes the published JSON Schema (the
 * description's `inputSchema`), if any; else the input as given.
 * @throws DagflowError `INVALID_INPUT` with `details.issues` when the input fails the schema
 */
export async function checkedInput(plan: FlowPlan, input: unknown): Promise<unknown> {
  const schema = plan.hooks.input;
  if (schema === undefined) {
    const published = plan.hooks.inputJsonSchema;
    const issues = published === undefined ? [] : jsonSchemaIssues(plan, published, input);
    if (issues.length > 0) throw invalidInput(plan, issues);
    return input;
  }
  const checked = await checkSchema(schema, input);
  if (checked.ok) return checked.value;
  throw invalidInput(plan, checked.issues);
}

function invalidInput(plan: FlowPlan, issues: readonly SchemaIssue[]): DagflowError {
  return new DagflowError(
    ErrorCode.INVALID_INPUT,
    `The input of flow '${plan.name}' does not match its schema: ${describeIssues(issues)}.`,
    { details: { flow: plan.name, issues } },
  );
}
