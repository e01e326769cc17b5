import { type ClientConfig, clientPart } from './client-config.js';
import type { ClientSettings } from './client-settings.js';
import { type Env, EnvReader } from './env.js';
import { type ServerConfig, serverPart } from './server-config.js';
import type { ServerSettings } from './server-settings.js';
import { type WorkerConfig, workerPart } from './worker-config.js';
import type { WorkerSettings } from './worker-settings.js';

/**
 * One role's (or one package's) configuration: its options applied over its environment variables
 * over its defaults, validated. A part reads only the variables it names.
 */
export type ConfigPart<Options, Config> = (options: Options, env: EnvReader) => Config;

/**
 * Every part resolved, as `FlowService.options` used to hold them.
 * @deprecated Use {@link ClientConfig}, {@link WorkerConfig} and {@link ServerConfig}, each resolved
 *   by its role.
 */
export type ResolvedOptions = ClientConfig & WorkerConfig & ServerConfig;

/** Where a service or client takes its environment from (tests pass their own). */
export interface ConfigSource {
  /**
   * The environment variables to read, once, when the client or service is made.
   * @defaultValue `process.env`
   */
  readonly env?: Env;
}

/**
 * The configuration of one process, loaded from one snapshot of its environment. Each role resolves
 * its own part when it starts: a client at construction, workers in `startWorker()`, the HTTP server
 * in `startServer()` (and the server package's front end through {@link part}). A malformed variable
 * therefore fails the role that uses it, at its start, naming the variable; a role never parses
 * another's.
 */
export interface LoadedConfig {
  /** The environment snapshot the parts read. */
  readonly env: EnvReader;
  /**
   * Resolves a part: `options` first, then the environment, then the part's defaults.
   * @throws DagflowError `INVALID_CONFIG` naming the malformed variable or option
   */
  part<Options, Config>(part: ConfigPart<Options, Config>, options: Options): Config;
  /** The client part (see `clientPart`). */
  client(options?: ClientSettings): ClientConfig;
  /** The worker part (see `workerPart`). */
  worker(options?: WorkerSettings): WorkerConfig;
  /** The server part of the engine (see `serverPart`). */
  server(options?: ServerSettings): ServerConfig;
}

/**
 * Loads the configuration of a process from `env` (a snapshot is taken now). Precedence, for every
 * setting: an option given in code, else its environment variable, else the default. Nothing is
 * parsed until a role asks for its part.
 * @example
 * ```ts
 * const config = loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', PORT: '8080' });
 * config.client({ prefix: 'shop' }).redis; // { url: 'redis://127.0.0.1:6379' }
 * config.server().port; // 8080
 * ```
 */
export function loadConfig(env: Env = process.env): LoadedConfig {
  const reader = new EnvReader(env);
  const part = <O, C>(resolve: ConfigPart<O, C>, options: O): C => resolve(options, reader);
  return {
    env: reader,
    part,
    client: (options = {}) => part(clientPart, options),
    worker: (options = {}) => part(workerPart, options),
    server: (options = {}) => part(serverPart, options),
  };
}
