import type { FlowClient, SignalUrlOptions } from '@dagflow/engine';

/** What the CLI's request commands need: a `FlowClient` (over Redis) or an {@link HttpClient}. */
export type CommandTarget = Pick<
  FlowClient,
  | 'execute'
  | 'state'
  | 'waitForResult'
  | 'pause'
  | 'resume'
  | 'stop'
  | 'rerun'
  | 'flows'
  | 'describe'
  | 'schedule'
  | 'unschedule'
  | 'listSchedules'
  | 'versions'
  | 'migrate'
  | 'migrateAll'
  | 'stream'
  | 'bulk'
  | 'startBulk'
  | 'bulkProgress'
  | 'emit'
> & {
  /** A signal URL (see `FlowClient.signalUrl`): made here over Redis, by the server over HTTP. */
  signalUrl(
    name: string,
    requestId: string,
    signal: string,
    options?: SignalUrlOptions,
  ): string | Promise<string>;
};
