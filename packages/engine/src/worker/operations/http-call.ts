import { lookup as dnsLookup } from 'node:dns/promises';
import { type IncomingMessage, type RequestOptions, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { type LookupFunction, isIP } from 'node:net';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { DagflowError, ErrorCode, NonRetryableError } from '@dagflow/flow';
import type { HttpAllowList } from '../../infra/http-guard.js';

/** Defaults of the `http` operation's limits, each overridable per node in `with`. */
export const HTTP_DEFAULTS = {
  /** The whole call, redirects included (`with.timeoutMs`). */
  timeoutMs: 30_000,
  /** The decoded response body (`with.maxResponseBytes`). */
  maxResponseBytes: 10 * 1024 * 1024,
  /** Redirects followed before the call fails. */
  maxRedirects: 5,
} as const;

/** One call of the `http` operation. */
export interface HttpCall {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON text to send, if any. */
  readonly body: string | undefined;
  readonly timeoutMs: number;
  readonly maxResponseBytes: number;
  /** The node's signal (stop, node timeout). */
  readonly signal: AbortSignal;
  readonly allow: HttpAllowList;
}

/** A complete response. */
export interface HttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

/**
 * Sends an HTTP request guarded against SSRF: every host is resolved, every address checked (see
 * {@link HttpAllowList}), and the connection made to a checked address, so DNS cannot switch it
 * between the check and the connect; redirects are followed here, each checked the same way.
 * @throws DagflowError `HTTP_TARGET_FORBIDDEN` (refused target, too many redirects), `HTTP_TIMEOUT`,
 *   `PAYLOAD_TOO_LARGE` (response over `maxResponseBytes`)
 */
export async function guardedHttp(call: HttpCall): Promise<HttpResponse> {
  const timeout = AbortSignal.timeout(call.timeoutMs);
  const signal = AbortSignal.any([call.signal, timeout]);
  let url = parseUrl(call.url);
  let { method, body } = call;
  let headers = { ...call.headers };
  try {
    for (let redirects = 0; ; redirects++) {
      const response = await send(url, { method, headers, body, signal, call });
      const location = response.headers.location;
      if (!REDIRECTS.has(response.statusCode ?? 0) || location === undefined) {
        return await readResponse(response, call.maxResponseBytes, url);
      }
      response.resume();
      if (redirects >= HTTP_DEFAULTS.maxRedirects) {
        throw new DagflowError(
          ErrorCode.HTTP_TARGET_FORBIDDEN,
          `${call.url} redirected more than ${HTTP_DEFAULTS.maxRedirects} times.`,
        );
      }
      const next = parseUrl(location, url);
      // As fetch does: 303 (and 301/302 after a POST) continue as GET without a body; credentials
      // stay with their origin.
      if (
        response.statusCode === 303 ||
        (response.statusCode !== 307 && response.statusCode !== 308 && method === 'POST')
      ) {
        method = 'GET';
        body = undefined;
        headers = withoutBodyHeaders(headers);
      }
      if (next.origin !== url.origin) headers = withoutCredentials(headers);
      url = next;
    }
  } catch (error) {
    if (call.signal.aborted) throw call.signal.reason;
    if (timeout.aborted) {
      throw new DagflowError(
        ErrorCode.HTTP_TIMEOUT,
        `${call.method} ${call.url} did not answer within ${call.timeoutMs} ms.`,
        { details: { timeoutMs: call.timeoutMs } },
      );
    }
    throw error;
  }
}

const REDIRECTS: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/** An `http:` or `https:` URL, relative to `base` when given (a redirect's `Location`). */
function parseUrl(text: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(text, base);
  } catch {
    throw new NonRetryableError(`The http operation got a malformed URL: ${JSON.stringify(text)}.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DagflowError(
      ErrorCode.HTTP_TARGET_FORBIDDEN,
      `The http operation reaches http: and https: URLs only (got ${url.protocol}).`,
    );
  }
  return url;
}

/** Sends one request, resolving and checking its host first; answers once the headers arrived. */
function send(
  url: URL,
  options: {
    method: string;
    headers: Record<string, string>;
    body: string | undefined;
    signal: AbortSignal;
    call: HttpCall;
  },
): Promise<IncomingMessage> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
  const { allow } = options.call;
  // An IP in the URL is never looked up: check it here. A listed host name is trusted as it resolves.
  if (isIP(host) !== 0) allow.assertAddress({ host, address: host, port });
  const lookup = allow.allowsHost(host, port) ? undefined : checkedLookup(allow, port);
  const request: RequestOptions = {
    method: options.method,
    headers: options.headers,
    signal: options.signal,
    ...(lookup === undefined ? {} : { lookup }),
  };
  return new Promise((resolve, reject) => {
    const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, request, resolve);
    req.once('error', reject);
    req.end(options.body);
  });
}

/**
 * A `lookup` for `http.request`: resolves every address of the host, refuses the host when any of them
 * is forbidden on `port`, and hands the socket only checked addresses.
 */
function checkedLookup(allow: HttpAllowList, port: number): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { all: true, family: options.family ?? 0 }).then(
      (addresses) => {
        try {
          if (addresses.length === 0) throw new Error(`${hostname} has no address.`);
          for (const { address } of addresses) {
            allow.assertAddress({ host: hostname, address, port });
          }
        } catch (error) {
          callback(error as Error, '', 0);
          return;
        }
        if (options.all === true) callback(null, addresses);
        else callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
      },
      (error: unknown) => callback(error as Error, '', 0),
    );
  };
}

/** The decoded body as text, refused once it grows over `limit` bytes. */
async function readResponse(
  response: IncomingMessage,
  limit: number,
  url: URL,
): Promise<HttpResponse> {
  const encoding = String(response.headers['content-encoding'] ?? 'identity').toLowerCase();
  const decoder =
    encoding === 'gzip' || encoding === 'x-gzip'
      ? createGunzip()
      : encoding === 'deflate'
        ? createInflate()
        : encoding === 'br'
          ? createBrotliDecompress()
          : undefined;
  const stream = decoder === undefined ? response : response.pipe(decoder);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        throw new DagflowError(
          ErrorCode.PAYLOAD_TOO_LARGE,
          `The response of ${url.origin}${url.pathname} is over the ${limit}-byte limit (with.maxResponseBytes).`,
          { details: { limit } },
        );
      }
      chunks.push(chunk);
    }
  } finally {
    response.destroy();
    decoder?.destroy();
  }
  return {
    status: response.statusCode ?? 0,
    contentType: String(response.headers['content-type'] ?? ''),
    text: Buffer.concat(chunks).toString('utf8'),
  };
}

function withoutBodyHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !/^content-/i.test(name)));
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).filter(
      ([name]) => !/^(authorization|cookie|proxy-authorization)$/i.test(name),
    ),
  );
}
