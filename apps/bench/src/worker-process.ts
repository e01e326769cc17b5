/**
 * A bench worker process (forked by the driver, compiled to dist/worker-process.js): serves one
 * shape's worker side (or an HTTP server) per `start`, reports CPU and peak RSS on `stats`, and exits
 * on `exit` or when the driver goes away. Talks to the driver over IPC only.
 */
import type { DriverMessage, StartSpec, WorkerMessage } from './protocol.js';
import { serveDagflow } from './shapes/dagflow.js';
import { serveFlowProducer } from './shapes/flow-producer.js';
import { serveHandDiamond } from './shapes/hand-diamond.js';
import { serveDagflowHttp, serveExpressHttp } from './shapes/http.js';
import { serveRaw, serveRawChain } from './shapes/raw.js';
import { serveRawReply } from './shapes/reply.js';
import type { Served } from './shapes/shape.js';

const send = (message: WorkerMessage): void => {
  process.send?.(message);
};

let served: Served | undefined;

function serve(spec: StartSpec): Promise<Served & { readonly port?: number }> {
  let terminals = 0;
  const onTerminal = (): void => {
    if (++terminals % spec.terminalBatch === 0) send({ type: 'terminal' });
  };
  switch (spec.system) {
    case 'raw':
      return serveRaw(spec, onTerminal);
    case 'raw-chain':
      return serveRawChain(spec, onTerminal);
    case 'raw-reply':
      return serveRawReply(spec);
    case 'flow-producer':
      return serveFlowProducer(spec, onTerminal);
    case 'hand-diamond':
      return serveHandDiamond(spec, onTerminal);
    case 'dagflow':
      return serveDagflow(spec);
    case 'dagflow-server':
      return serveDagflowHttp(spec);
    case 'express-server':
      return serveExpressHttp(spec);
  }
}

async function handle(message: DriverMessage): Promise<void> {
  switch (message.type) {
    case 'start': {
      const started = await serve(message.spec);
      served = started;
      send(started.port === undefined ? { type: 'ready' } : { type: 'ready', port: started.port });
      return;
    }
    case 'stats': {
      const cpu = process.cpuUsage();
      send({
        type: 'stats',
        stats: {
          cpuMicros: cpu.user + cpu.system,
          // The kernel keeps the peak, so nothing samples (and costs CPU) during the load.
          peakRssBytes: process.resourceUsage().maxRSS * 1024,
          atMicros: Number(process.hrtime.bigint() / 1000n),
        },
      });
      return;
    }
    case 'stop':
      await served?.close();
      served = undefined;
      send({ type: 'stopped' });
      return;
    case 'exit':
      await served?.close();
      // A normal exit, so that --cpu-prof writes its profile.
      process.exit(0);
  }
}

process.on('message', (message: DriverMessage) => {
  handle(message).catch((error: unknown) =>
    send({
      type: 'failed',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    }),
  );
});
process.on('disconnect', () => process.exit(0));
