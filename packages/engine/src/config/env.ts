import { DagflowError, ErrorCode } from '@dagflow/flow';

/** Environment variables by name, as `process.env` holds them. */
export type Env = Readonly<Record<string, string | undefined>>;

/** `INVALID_CONFIG` for a malformed setting; `name` is the variable's (or option's) name. */
export function invalidConfig(name: string, problem: string, value: unknown): DagflowError {
  return new DagflowError(
    ErrorCode.INVALID_CONFIG,
    `${name} ${problem} (got ${JSON.stringify(value)}).`,
    { details: { setting: name } },
  );
}

/**
 * Typed reads of one snapshot of the environment, taken when it is made. Every read answers
 * `undefined` for a variable that is unset or empty, and throws `INVALID_CONFIG` naming the variable
 * for a malformed one; nothing is read until a configuration part asks for it, so each role parses
 * only its own variables.
 */
export class EnvReader {
  readonly #vars: Env;

  constructor(env: Env) {
    this.#vars = Object.freeze({ ...env });
  }

  /** The variable as text. */
  string(name: string): string | undefined {
    const value = this.#vars[name];
    return value === undefined || value === '' ? undefined : value;
  }

  /**
   * The variable as an integer of at least `min`.
   * @throws DagflowError `INVALID_CONFIG` naming the variable when it is not one
   */
  int(name: string, min = 0): number | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    const value = Number(text.trim());
    if (text.trim() === '' || !Number.isInteger(value) || value < min) {
      throw invalidConfig(
        `Environment variable ${name}`,
        min === 0 ? 'must be a non-negative integer' : `must be an integer of at least ${min}`,
        text,
      );
    }
    return value;
  }

  /**
   * The variable as one of `values`.
   * @throws DagflowError `INVALID_CONFIG` naming the variable and the values it takes
   */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const text = this.string(name);
    if (text === undefined) return undefined;
    if (!(values as readonly string[]).includes(text)) {
      throw invalidConfig(
        `Environment variable ${name}`,
        `must be one of ${values.join(', ')}`,
        text,
      );
    }
    return text as T;
  }
}

/**
 * An option checked to be an integer of at least `min`.
 * @throws DagflowError `INVALID_CONFIG` naming the option
 */
export function intOption(value: number, name: string, min = 1): number {
  if (!Number.isInteger(value) || value < min) {
    const problem =
      min === 1 ? 'must be a positive integer' : `must be an integer of at least ${min}`;
    throw invalidConfig(`Option ${name}`, problem, value);
  }
  return value;
}
