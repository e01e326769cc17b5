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
