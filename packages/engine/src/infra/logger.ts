import type { NodeLogger } from '@dagflow/flow';
import { pino } from 'pino';

/** Log levels in increasing severity. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';

/** A structured logger: one JSON object per line on stderr (pino). */
export interface Logger extends NodeLogger {
  /** A logger whose every line also carries `fields`. */
  child(fields: Record<string, unknown>): Logger;
}

/**
 * The part of pino's API the service logs through: a pino `Logger` of any recent version fits, as does
 * anything with the same `(fields, message)` methods and `child(bindings)`.
 */
export interface PinoLike {
  /** Logs `message` with `fields` at debug level. */
  debug(fields: object, message: string): void;
  /** Logs `message` with `fields` at info level. */
  info(fields: object, message: string): void;
  /** Logs `message` with `fields` at warn level. */
  warn(fields: object, message: string): void;
  /** Logs `message` with `fields` at error level. */
  error(fields: object, message: string): void;
  /** A logger whose every line also carries `bindings`. */
  child(bindings: Record<string, unknown>): PinoLike;
}

/**
 * A logger whose every line carries `bound`: a child of `base` (the user's pino) when given, else a new
 * pino logger on stderr that drops lines below `level`.
 */
export function createLogger(
  level: LogLevel,
  bound: Record<string, unknown> = {},
  base?: PinoLike,
): Logger {
  if (base !== undefined) return wrap(base.child(bound));
  return wrap(
    pino({ level, base: bound, timestamp: pino.stdTimeFunctions.isoTime }, pino.destination(2)),
  );
}

/** Our `(message, fields)` signature over pino's `(fields, message)`. */
function wrap(logger: PinoLike): Logger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
    child: (fields) => wrap(logger.child(fields)),
  };
}
