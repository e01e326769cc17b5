import type { NodeLogger } from '@dagflow/flow';

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

const SEVERITY: Record<LogLevel, number> = {
  debug: 10,
  info: 20,
  warn: 30,
  error: 40,
  silent: 100,
};

/** A structured logger writing one JSON object per line to stderr. */
export interface Logger extends NodeLogger {
  /** A logger whose every line also carries `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/** Creates a JSON-lines logger that drops lines below `level`. */
export function createLogger(level: LogLevel, bound: Record<string, unknown> = {}): Logger {
  const write =
    (lineLevel: Exclude<LogLevel, 'silent'>) =>
    (message: string, fields?: Record<string, unknown>): void => {
      if (SEVERITY[lineLevel] < SEVERITY[level]) return;
      process.stderr.write(
        `${JSON.stringify({ time: new Date().toISOString(), level: lineLevel, msg: message, ...bound, ...fields })}\n`,
      );
    };
  return {
    debug: write('debug'),
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    child: (fields) => createLogger(level, { ...bound, ...fields }),
  };
}
