import { type DagDescription, inputJsonSchemaOf } from '@dagflow/flow';
import type { FlowOptions } from '../types/flow-options.js';

/**
 * The flow's description with the JSON Schema of its input, when it has one: the explicit
 * `inputJsonSchema`, else what the `input` schema gives as Standard JSON Schema.
 */
export function withInputSchema(
  description: DagDescription,
  options: Pick<FlowOptions, 'input' | 'inputJsonSchema'>,
): DagDescription {
  const schema =
    options.inputJsonSchema ??
    (options.input === undefined ? undefined : inputJsonSchemaOf(options.input));
  return schema === undefined ? description : { ...description, inputSchema: schema };
}
