import './provided-context.js';
export { freePort } from './free-port.js';
export { testPrefix } from './prefix.js';
export { startRedis } from './redis-server.js';
export type { RedisServer, StartRedisOptions } from './redis-server.js';
export { waitFor } from './wait-for.js';
export type { WaitForOptions } from './wait-for.js';
export { startWorkerProcess } from './worker-process.js';
export type { WorkerProcess } from './worker-process.js';
