import type { ResultText } from '@dagflow/engine';
import type { Response } from 'express';

/** Answers a request's result: JSON values as JSON, binary results as raw bytes. */
export function sendResult(res: Response, value: unknown): void {
  if (Buffer.isBuffer(value)) {
    res.status(200).type('application/octet-stream').send(value);
    return;
  }
  res
    .status(200)
    .type('application/json')
    .send(JSON.stringify(value ?? null));
}

/** Answers a result the service gave as text (`waitForResultText`): the same bytes {@link sendResult} sends. */
export function sendResultText(res: Response, result: ResultText): void {
  if ('bytes' in result) res.status(200).type('application/octet-stream').send(result.bytes);
  else res.status(200).type('application/json').send(result.json);
}
