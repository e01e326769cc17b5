/** A started OpenTelemetry SDK. */
export interface Telemetry {
  /** Flushes and stops exporting. */
  shutdown(): Promise<void>;
}

/**
 * Starts the OpenTelemetry Node SDK when the standard `OTEL_*` variables ask for it
 * (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`, or an `OTEL_TRACES_EXPORTER`
 * other than `none`); the SDK reads the rest of its configuration (protocol, headers, service name)
 * from them too. Off, and not even loaded, when none is set. The engine's spans then reach the exporter.
 */
export async function startTelemetry(
  env: NodeJS.ProcessEnv = process.env,
): Promise<Telemetry | undefined> {
  const exporter = env['OTEL_TRACES_EXPORTER'];
  const endpoint = env['OTEL_EXPORTER_OTLP_ENDPOINT'] ?? env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'];
  if (endpoint === undefined && (exporter === undefined || exporter === 'none')) return undefined;
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const sdk = new NodeSDK({ serviceName: env['OTEL_SERVICE_NAME'] ?? 'dagflow' });
  sdk.start();
  return { shutdown: () => sdk.shutdown() };
}
