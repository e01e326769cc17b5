/**
 * `dagflow`: the command line. `runCli(argv, io)` runs one command and answers its exit code.
 * @module
 */
export { runCli } from './cli.js';
export { ExitCode } from './commands.js';
export type { CliIo } from './commands.js';
export { describeAsText } from './describe-text.js';
