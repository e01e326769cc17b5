import { BlockList, isIP } from 'node:net';
import { DagflowError, ErrorCode } from '@dagflow/flow';

/**
 * Address ranges the `http` operation may not reach unless allowed: everything that is not a public
 * unicast address. IPv4 rules apply to IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) as well.
 */
const FORBIDDEN_RANGES: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network", the unspecified address
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // shared address space (carrier-grade NAT)
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata (169.254.169.254)
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 96, 'ipv6'], // unspecified, loopback, IPv4-compatible
  ['64:ff9b:1::', 48, 'ipv6'], // local-use IPv4/IPv6 translation
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

const FORBIDDEN = new BlockList();
for (const [network, prefix, family] of FORBIDDEN_RANGES)
  FORBIDDEN.addSubnet(network, prefix, family);

/** The IP family of an address as `BlockList` names it, or undefined when `address` is no IP. */
function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/**
 * Whether an IP address is public unicast: not loopback, private, shared, link-local, unspecified,
 * multicast or reserved, in IPv4, IPv6 or IPv4-mapped IPv6 form.
 * @throws DagflowError `HTTP_TARGET_FORBIDDEN` when `address` is not an IP address
 */
export function isPublicAddress(address: string): boolean {
  const family = familyOf(address);
  if (family === undefined) {
    throw new DagflowError(ErrorCode.HTTP_TARGET_FORBIDDEN, `'${address}' is not an IP address.`);
  }
  return !FORBIDDEN.check(address, family);
}

/**
 * The hosts and networks the `http` operation may reach although they are not public: host names
 * (matched exactly, case-insensitively), IP addresses and CIDR ranges (`10.1.0.0/16`, `fd00::/8`).
 */
export class HttpAllowList {
  readonly #hosts: ReadonlySet<string>;
  readonly #networks = new BlockList();

  /**
   * @param entries - host names, addresses or CIDRs, as `DAGFLOW_HTTP_ALLOW` lists them
   * @throws DagflowError `INVALID_CONFIG` for a malformed CIDR
   */
  constructor(entries: readonly string[]) {
    const hosts = new Set<string>();
    for (const raw of entries) {
      const entry = raw
        .trim()
        .toLowerCase()
        .replace(/^\[(.*)\]$/, '$1');
      if (entry === '') continue;
      const slash = entry.indexOf('/');
      const address = slash < 0 ? entry : entry.slice(0, slash);
      const family = familyOf(address);
      if (family === undefined && slash < 0) {
        hosts.add(entry);
        continue;
      }
      const prefix = slash < 0 ? (family === 'ipv4' ? 32 : 128) : Number(entry.slice(slash + 1));
      const max = family === 'ipv4' ? 32 : 128;
      if (family === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max) {
        throw new DagflowError(
          ErrorCode.INVALID_CONFIG,
          `The http allow list entry ${JSON.stringify(raw)} is neither a host name, an IP address nor a CIDR range.`,
        );
      }
      this.#networks.addSubnet(address, prefix, family);
    }
    this.#hosts = hosts;
  }

  /** An allow list from a comma-separated text (`DAGFLOW_HTTP_ALLOW`). */
  static parse(text: string | undefined): HttpAllowList {
    return new HttpAllowList((text ?? '').split(','));
  }

  /** Whether the host name (as written in the URL, without brackets) is listed. */
  allowsHost(host: string): boolean {
    return this.#hosts.has(host.toLowerCase());
  }

  /** Whether the address lies in a listed address or CIDR range. */
  allowsAddress(address: string): boolean {
    const family = familyOf(address);
    return family !== undefined && this.#networks.check(address, family);
  }

  /**
   * Throws unless the resolved `address` of `host` may be reached: a public address, or one the list
   * allows.
   * @throws DagflowError `HTTP_TARGET_FORBIDDEN`
   */
  assertAddress(host: string, address: string): void {
    if (isPublicAddress(address) || this.allowsAddress(address)) return;
    throw new DagflowError(
      ErrorCode.HTTP_TARGET_FORBIDDEN,
      `The http operation may not reach ${host === address ? address : `${host} (${address})`}: it is a loopback, private, link-local or reserved address. List the host or a CIDR in DAGFLOW_HTTP_ALLOW to allow it.`,
      { details: { host, address } },
    );
  }
}
