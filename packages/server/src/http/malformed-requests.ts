import { STATUS_CODES, type Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode } from '@dagflow/flow';
import { statusFor } from './http-status.js';

/** What the parser's error codes answer; any other parse error is a `BAD_REQUEST`. */
const ANSWERS: Readonly<Record<string, readonly [ErrorCode, string]>> = {
  HPE_HEADER_OVERFLOW: [
    ErrorCode.HEADERS_TOO_LARGE,
    'The request line and headers are larger than this server takes.',
  ],
  ERR_HTTP_REQUEST_TIMEOUT: [
    ErrorCode.REQUEST_TIMEOUT,
    'The request did not arrive within the time limit.',
  ],
};

/** What this module reads of a socket Node.js's HTTP server owns (its in-flight answer, if any). */
interface ServerSocket extends Duplex {
  readonly _httpMessage?: { readonly headersSent?: boolean } | null;
}

/**
 * Answers what Node.js's HTTP parser refuses before any route sees it (a malformed request line or
 * framing, an unknown method, headers too large, a timeout) with the JSON error body of every other
 * error: `BAD_REQUEST` (400), `HEADERS_TOO_LARGE` (431) or `REQUEST_TIMEOUT` (408), then closes the
 * connection. As Node.js itself does, it writes nothing on a socket that is no longer writable or whose
 * previous answer has begun (that would corrupt it): it only ends such a socket.
 */
export function answerMalformedRequests(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: ServerSocket) => {
    if (error.code === 'ECONNRESET' || !socket.writable || socket._httpMessage?.headersSent) {
      socket.destroy();
      return;
    }
    const [code, message] = ANSWERS[error.code ?? ''] ?? [
      ErrorCode.BAD_REQUEST,
      'The request is not valid HTTP/1.1 (its request line, headers or framing).',
    ];
    const status = statusFor[code];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'X-Content-Type-Options: nosniff\r\n' +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
