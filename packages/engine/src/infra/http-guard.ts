import { BlockList } from 'node:net';
import { DagflowError, ErrorCode } from '@dagflow/flow';
import { familyOf, isPublicAddress } from './public-address.js';

/** One allow-list entry split up: a host name, or an address range; with a port or for any port. */
type Entry =
  | { readonly host: string; readonly port: number | undefined }
  | {
      readonly network: readonly [string, number, 'ipv4' | 'ipv6'];
      readonly port: number | undefined;
    };

/**
 * The hosts and networks the `http` operation may reach although they are not public: host names
 * (matched exactly, case-insensitively), IP addresses and CIDR ranges (`10.1.0.0/16`, `fd00::/8`),
 * each for any port or, written with one (`127.0.0.2:8080`, `[::1]:8080`, `pricing.internal:443`,
 * `[10.1.0.0/16]:8080`), for that port only.
 */
export class HttpAllowList {
  /** Host name to its ports; `undefined` in the set means any port. */
  readonly #hosts = new Map<string, Set<number | undefined>>();
  /** Ranges by port; the `undefined` key holds those for any port. */
  readonly #networks = new Map<number | undefined, BlockList>();

  /**
   * @param entries - host names, addresses or CIDRs, optionally with a port, as `DAGFLOW_HTTP_ALLOW`
   *   lists them
   * @throws DagflowError `INVALID_CONFIG` for a malformed entry (CIDR, port)
   */
  constructor(entries: readonly string[]) {
    for (const raw of entries) {
      const entry = parseEntry(raw);
      if (entry === undefined) continue;
      if ('host' in entry) {
        const ports = this.#hosts.get(entry.host) ?? new Set();
        this.#hosts.set(entry.host, ports.add(entry.port));
      } else {
        const list = this.#networks.get(entry.port) ?? new BlockList();
        list.addSubnet(...entry.network);
        this.#networks.set(entry.port, list);
      }
    }
  }

  /** An allow list from a comma-separated text (`DAGFLOW_HTTP_ALLOW`). */
  static parse(text: string | undefined): HttpAllowList {
    return new HttpAllowList((text ?? '').split(','));
  }

  /** Whether the host name (as written in the URL, without brackets) is listed for `port`. */
  allowsHost(host: string, port: number): boolean {
    const ports = this.#hosts.get(host.toLowerCase());
    return ports !== undefined && (ports.has(undefined) || ports.has(port));
  }

  /** Whether the address lies in a listed address or CIDR range for `port`. */
  allowsAddress(address: string, port: number): boolean {
    const family = familyOf(address);
    if (family === undefined) return false;
    return [undefined, port].some(
      (key) => this.#networks.get(key)?.check(address, family) === true,
    );
  }

  /**
   * Throws unless the resolved `address` of `host` may be reached on `port`: a public address, or one
   * the list allows.
   * @throws DagflowError `HTTP_TARGET_FORBIDDEN`
   */
  assertAddress(target: { host: string; address: string; port: number }): void {
    const { host, address, port } = target;
    if (isPublicAddress(address) || this.allowsAddress(address, port)) return;
    throw new DagflowError(
      ErrorCode.HTTP_TARGET_FORBIDDEN,
      `The http operation may not reach ${host === address ? address : `${host} (${address})`} port ${port}: it is a loopback, private, link-local or reserved address. List the host or a CIDR (optionally with the port) in DAGFLOW_HTTP_ALLOW to allow it.`,
      { details: { host, address, port } },
    );
  }
}

/**
 * One entry: `host`, `host:port`, `address`, `address:port` (IPv4), `cidr`, `[ipv6 or cidr]`,
 * `[ipv6 or cidr]:port`; a bare IPv6 address takes no port (brackets give it one). Undefined for a
 * blank entry.
 */
function parseEntry(raw: string): Entry | undefined {
  const text = raw.trim().toLowerCase();
  if (text === '') return undefined;
  const invalid = (why: string): DagflowError =>
    new DagflowError(
      ErrorCode.INVALID_CONFIG,
      `The http allow list entry ${JSON.stringify(raw)} ${why}; write a host name, an IP address or a CIDR range, optionally with a port (host:8080, 10.0.0.2:8080, [::1]:8080).`,
    );
  const bracketed = /^\[([^\]]*)\](?::([^:]*))?$/.exec(text);
  let target = text;
  let portText: string | undefined;
  if (bracketed !== null) [, target = '', portText] = bracketed;
  else if (text.split(':').length === 2) [target = '', portText] = text.split(':');
  const port = portText === undefined ? undefined : Number(portText);
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
    throw invalid(`has no valid port (1-65535)`);
  }
  const slash = target.indexOf('/');
  const address = slash < 0 ? target : target.slice(0, slash);
  const family = familyOf(address);
  if (family === undefined) {
    if (slash < 0 && bracketed === null && /^[a-z0-9_.-]+$/.test(target)) {
      return { host: target, port };
    }
    throw invalid('is neither a host name, an IP address nor a CIDR range');
  }
  const max = family === 'ipv4' ? 32 : 128;
  const prefix = slash < 0 ? max : Number(target.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || target.endsWith('/')) {
    throw invalid('has no valid CIDR prefix');
  }
  return { network: [address, prefix, family], port };
}
