/**
 * `dagflow`: the command line. `runCli(argv, io)` runs one command and answers its exit code.
 * @module
 */
export { ExitCode, runCli } from './cli.js';
export type { CliIo } from './cli.js';
export { describeAsText } from './describe-text.js';
