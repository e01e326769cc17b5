import type { Redis } from 'ioredis';

/**
 * Makes the commands a connection is given in one tick leave in one socket write: the move-to-finished
 * calls of the jobs that one batch of completions lets go, the job adds behind a script, the executes
 * of a `Promise.all`. The socket is corked at the tick's first write and uncorked once that tick's
 * callbacks and microtasks have run, before any I/O, so no command waits for a later tick (unlike
 * ioredis auto-pipelining, which holds commands until `setImmediate`). Each (re)connection's socket
 * gets it. Measured in BENCHMARKS.md (2026-12-04, write coalescing).
 */
export function coalesceWrites(redis: Redis): Redis {
  redis.on('connect', () => {
    const socket = redis.stream;
    const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      socket.uncork();
    };
    socket.write = (...args: unknown[]): boolean => {
      if (!corked) {
        corked = true;
        socket.cork();
        process.nextTick(uncork);
      }
      return write(...args);
    };
  });
  return redis;
}
