import { BlockList, isIP } from 'node:net';
import { DagflowError, ErrorCode } from '@dagflow/flow';

/**
 * Address ranges the `http` operation may not reach unless allowed: everything that is not a public
 * unicast address. IPv6 forms that embed an IPv4 address are judged by that address too (see
 * {@link embeddedIpv4}).
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
  // Local-use IPv4/IPv6 translation (RFC 8215): the operator's own translator, with the IPv4 address
  // at a place only its configuration knows; refused whole.
  ['64:ff9b:1::', 48, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['fec0::', 10, 'ipv6'], // site-local (deprecated)
  ['ff00::', 8, 'ipv6'], // multicast
];

const FORBIDDEN = new BlockList();
for (const [network, prefix, family] of FORBIDDEN_RANGES)
  FORBIDDEN.addSubnet(network, prefix, family);

/** The IP family of an address as `BlockList` names it, or undefined when `address` is no IP. */
export function familyOf(address: string): 'ipv4' | 'ipv6' | undefined {
  const version = isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** The eight 16-bit groups of a valid IPv6 address (zone dropped, a dotted IPv4 tail as two groups). */
function ipv6Groups(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::');
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/** The IPv4 address in two 16-bit groups. */
function ipv4Of(high: number, low: number): string {
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * The IPv4 addresses an IPv6 address stands for, where it embeds one: NAT64 `64:ff9b::/96`,
 * IPv4-mapped `::ffff:0:0/96`, IPv4-translated `::ffff:0:0:0/96` and IPv4-compatible `::/96` (the
 * last 32 bits), 6to4 `2002::/16` (bits 16-47), Teredo `2001::/32` (the server in bits 32-63, the
 * client in the last 32 bits inverted). Empty for any other address.
 */
export function embeddedIpv4(address: string): string[] {
  const g = ipv6Groups(address) as [number, number, number, number, number, number, number, number];
  const last = ipv4Of(g[6], g[7]);
  const zeros = (from: number, to: number): boolean => g.slice(from, to).every((x) => x === 0);
  if (g[0] === 0x64 && g[1] === 0xff9b && zeros(2, 6)) return [last];
  if (zeros(0, 5) && g[5] === 0xffff) return [last];
  if (zeros(0, 4) && g[4] === 0xffff && g[5] === 0) return [last];
  if (zeros(0, 6)) return [last];
  if (g[0] === 0x2002) return [ipv4Of(g[1], g[2])];
  if (g[0] === 0x2001 && g[1] === 0)
    return [ipv4Of(g[2], g[3]), ipv4Of(g[6] ^ 0xffff, g[7] ^ 0xffff)];
  return [];
}

/**
 * Whether an IP address is public unicast: not loopback, private, shared, link-local, unspecified,
 * multicast or reserved, in IPv4 or IPv6 form, nor an IPv6 form embedding such an IPv4 address
 * (NAT64, IPv4-mapped, -translated and -compatible, 6to4, Teredo).
 * @throws DagflowError `HTTP_TARGET_FORBIDDEN` when `address` is not an IP address
 */
export function isPublicAddress(address: string): boolean {
  const family = familyOf(address);
  if (family === undefined) {
    throw new DagflowError(ErrorCode.HTTP_TARGET_FORBIDDEN, `'${address}' is not an IP address.`);
  }
  if (FORBIDDEN.check(address, family)) return false;
  return family === 'ipv4' || embeddedIpv4(address).every((ipv4) => !FORBIDDEN.check(ipv4, 'ipv4'));
}
