import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/load-config.js';
import { HttpAllowList } from '../src/infra/http-guard.js';
import { embeddedIpv4, isPublicAddress } from '../src/infra/public-address.js';
import { ErrorCode } from '../src/index.js';
import { isNodeQueueName } from '../src/format/keys.js';

describe('the http operation guard', () => {
  it('refuses every non-public IPv4 address', () => {
    for (const address of [
      '0.0.0.0',
      '10.1.2.3',
      '100.64.0.1',
      '127.0.0.1',
      '127.255.255.254',
      '169.254.169.254',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '224.0.0.1',
      '255.255.255.255',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '169.253.0.1']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('refuses non-public IPv6 addresses, IPv4-mapped forms included', () => {
    for (const address of [
      '::',
      '::1',
      'fc00::1',
      'fd12:3456::1',
      'fe80::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::ffff:10.0.0.1',
      '::127.0.0.1',
      '::ffff:0:127.0.0.1',
      '64:ff9b::169.254.169.254',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('judges every IPv6 form embedding an IPv4 address by that address', () => {
    // [form, refused (embeds a non-public IPv4), allowed (embeds a public one)]
    const forms: readonly (readonly [string, string, string])[] = [
      ['NAT64 64:ff9b::/96', '64:ff9b::a9fe:a9fe', '64:ff9b::808:808'],
      ['NAT64 dotted', '64:ff9b::127.0.0.1', '64:ff9b::8.8.8.8'],
      ['IPv4-mapped ::ffff:0:0/96', '::ffff:a9fe:a9fe', '::ffff:808:808'],
      ['IPv4-translated ::ffff:0:0:0/96', '::ffff:0:a9fe:a9fe', '::ffff:0:808:808'],
      ['IPv4-translated dotted', '::ffff:0:10.0.0.1', '::ffff:0:1.1.1.1'],
      ['IPv4-compatible ::/96', '::a9fe:a9fe', '::808:808'],
      ['6to4 2002::/16', '2002:a9fe:a9fe::1', '2002:808:808::1'],
      ['6to4 private', '2002:c0a8:101::', '2002:101:101::'],
      // Teredo: server 8.8.8.8 in bits 32-63; client = last 32 bits XOR 0xffffffff.
      ['Teredo client', '2001:0:808:808:0:0:5601:5601', '2001:0:808:808:0:0:f7f7:f7f7'],
      ['Teredo server', '2001:0:7f00:1:0:0:f7f7:f7f7', '2001:0:101:101:0:0:f7f7:f7f7'],
    ];
    for (const [form, refused, allowed] of forms) {
      expect(isPublicAddress(refused), `${form}: ${refused}`).toBe(false);
      expect(isPublicAddress(allowed), `${form}: ${allowed}`).toBe(true);
    }
    expect(embeddedIpv4('64:ff9b::a9fe:a9fe')).toEqual(['169.254.169.254']);
    expect(embeddedIpv4('2002:a9fe:a9fe::1')).toEqual(['169.254.169.254']);
    expect(embeddedIpv4('2001:0:808:808::5601:5601')).toEqual(['8.8.8.8', '169.254.169.254']);
    expect(embeddedIpv4('2001:4860:4860::8888')).toEqual([]);
    // The local-use translation prefix is refused whatever it embeds.
    expect(isPublicAddress('64:ff9b:1::808:808')).toBe(false);
    expect(isPublicAddress('64:ff9b:1:ffff::1')).toBe(false);
  });

  it('allows listed hosts, addresses and CIDR ranges only', () => {
    const allow = new HttpAllowList(['Pricing.Internal', '10.1.0.0/16', '127.0.0.1', '[fd00::1]']);
    expect(allow.allowsHost('pricing.internal', 443)).toBe(true);
    expect(allow.allowsHost('other.internal', 443)).toBe(false);
    expect(allow.allowsAddress('10.1.200.3', 80)).toBe(true);
    expect(allow.allowsAddress('::ffff:10.1.0.9', 80)).toBe(true);
    expect(allow.allowsAddress('10.2.0.1', 80)).toBe(false);
    expect(allow.allowsAddress('127.0.0.1', 1)).toBe(true);
    expect(allow.allowsAddress('127.0.0.2', 80)).toBe(false);
    expect(allow.allowsAddress('fd00::1', 80)).toBe(true);
    const to = (address: string) => ({ host: 'x', address, port: 80 });
    expect(() => allow.assertAddress(to('10.1.0.1'))).not.toThrow();
    expect(() => allow.assertAddress(to('8.8.8.8'))).not.toThrow();
    expect(() => allow.assertAddress(to('169.254.169.254'))).toThrow(
      expect.objectContaining({ code: ErrorCode.HTTP_TARGET_FORBIDDEN }),
    );
  });

  it('takes entries that name a port, and allows that port only', () => {
    const allow = new HttpAllowList([
      '127.0.0.2:8080',
      '[::1]:8080',
      'Pricing.Internal:8443',
      '[10.1.0.0/16]:9000',
      '[fd00::/8]',
      'billing:80',
      'billing:81',
    ]);
    expect(allow.allowsAddress('127.0.0.2', 8080)).toBe(true);
    expect(allow.allowsAddress('127.0.0.2', 8081)).toBe(false);
    expect(allow.allowsAddress('::1', 8080)).toBe(true);
    expect(allow.allowsAddress('::1', 80)).toBe(false);
    expect(allow.allowsHost('pricing.internal', 8443)).toBe(true);
    expect(allow.allowsHost('pricing.internal', 443)).toBe(false);
    expect(allow.allowsAddress('10.1.3.4', 9000)).toBe(true);
    expect(allow.allowsAddress('10.1.3.4', 9001)).toBe(false);
    expect(allow.allowsAddress('fd12::1', 1234)).toBe(true);
    expect(allow.allowsHost('billing', 81)).toBe(true);
    expect(allow.allowsHost('billing', 82)).toBe(false);
    expect(() =>
      allow.assertAddress({ host: 'x', address: '127.0.0.2', port: 8080 }),
    ).not.toThrow();
    expect(() => allow.assertAddress({ host: 'x', address: '127.0.0.2', port: 22 })).toThrow(
      expect.objectContaining({ code: ErrorCode.HTTP_TARGET_FORBIDDEN }),
    );
    // A bare IPv6 address is an address, never address:port.
    expect(new HttpAllowList(['fd00::1:8080']).allowsAddress('fd00::1:8080', 1)).toBe(true);
  });

  it('reads DAGFLOW_HTTP_ALLOW and refuses malformed entries', () => {
    const { httpAllow } = loadConfig({
      DAGFLOW_HTTP_ALLOW: 'localhost, 192.168.0.0/16, 127.0.0.2:8080',
    }).worker();
    expect(httpAllow.allowsHost('localhost', 80)).toBe(true);
    expect(httpAllow.allowsAddress('192.168.4.4', 80)).toBe(true);
    expect(httpAllow.allowsAddress('127.0.0.2', 8080)).toBe(true);
    for (const bad of [
      '10.0.0.0/33',
      'fd00::/129',
      'host/8',
      '10.0.0.0/x',
      '10.0.0.0/',
      '127.0.0.2:0',
      '127.0.0.2:65536',
      '127.0.0.2:x',
      'host:',
      '[::1]:',
      '[::1]x',
      '[host]:80',
      'a b',
    ]) {
      expect(() => loadConfig({ DAGFLOW_HTTP_ALLOW: bad }).worker(), bad).toThrow(
        expect.objectContaining({ code: ErrorCode.INVALID_CONFIG }),
      );
    }
  });

  it("knows dagflow's node queue names", () => {
    expect(isNodeQueueName('{orders}')).toBe(true);
    expect(isNodeQueueName('{orders}.billing')).toBe(true);
    expect(isNodeQueueName('orders')).toBe(false);
    expect(isNodeQueueName('{orders}-events')).toBe(false);
  });
});
