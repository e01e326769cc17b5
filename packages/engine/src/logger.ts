import type { NodeLogger } from '@dagflow/flow';
import { type Logger as Pino, pino } from 'pino';

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A structured logger: one JSON object per line on stderr (pino). */
export interface Logger extends NodeLogger {
  /** A logger whose every line also carries `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/** Creates a pino logger on stderr that drops lines below `level`; every line carries `bound`. */
export function createLogger(level: LogLevel, bound: Record<string, unknown> = {}): Logger {
  return wrap(
    pino({ level, base: bound, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)),
  );
}

/** Our `(message, fields)` signature over pino's `(fields, message)`. */
function wrap(logger: Pino): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (fields) => wrap(logger.child(fields)),
  };
}
