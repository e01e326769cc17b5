import { DagflowError, ErrorCode, checkSchema, describeIssues } from '@dagflow/flow';
import type { FlowPlan } from '../plan/flow-plan.js';

/**
 * The input a request of `plan` starts with: the value its `input` schema gives (after transforms and
 * defaults), or the input as given when the flow has no schema here (not registered in this process,
 * or registered without one).
 * @throws DagflowError `INVALID_INPUT` with `details.issues` when the input fails the schema
 */
export async function checkedInput(plan: FlowPlan, input: unknown): Promise<unknown> {
  const schema = plan.hooks.input;
  if (schema === undefined) return input;
  const checked = await checkSchema(schema, input);
  if (checked.ok) return checked.value;
  throw new DagflowError(
    ErrorCode.INVALID_INPUT,
    `The input of flow '${plan.name}' does not match its schema: ${describeIssues(checked.issues)}.`,
    { details: { flow: plan.name, issues: checked.issues } },
  );
}
