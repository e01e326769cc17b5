import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../src/config.js';
import { HttpAllowList, isPublicAddress } from '../src/worker/http-guard.js';
import { ErrorCode } from '../src/index.js';
import { isNodeQueueName } from '../src/store/keys.js';

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
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['2001:4860:4860::8888', '2606:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('allows listed hosts, addresses and CIDR ranges only', () => {
    const allow = new HttpAllowList(['Pricing.Internal', '10.1.0.0/16', '127.0.0.1', '[fd00::1]']);
    expect(allow.allowsHost('pricing.internal')).toBe(true);
    expect(allow.allowsHost('other.internal')).toBe(false);
    expect(allow.allowsAddress('10.1.200.3')).toBe(true);
    expect(allow.allowsAddress('::ffff:10.1.0.9')).toBe(true);
    expect(allow.allowsAddress('10.2.0.1')).toBe(false);
    expect(allow.allowsAddress('127.0.0.1')).toBe(true);
    expect(allow.allowsAddress('127.0.0.2')).toBe(false);
    expect(allow.allowsAddress('fd00::1')).toBe(true);
    expect(() => allow.assertAddress('x', '10.1.0.1')).not.toThrow();
    expect(() => allow.assertAddress('x', '8.8.8.8')).not.toThrow();
    expect(() => allow.assertAddress('metadata', '169.254.169.254')).toThrow(
      expect.objectContaining({ code: ErrorCode.HTTP_TARGET_FORBIDDEN }),
    );
  });

  it('reads DAGFLOW_HTTP_ALLOW and refuses malformed entries', () => {
    const { httpAllow } = resolveOptions({}, { DAGFLOW_HTTP_ALLOW: 'localhost, 192.168.0.0/16' });
    expect(httpAllow.allowsHost('localhost')).toBe(true);
    expect(httpAllow.allowsAddress('192.168.4.4')).toBe(true);
    for (const bad of ['10.0.0.0/33', 'fd00::/129', 'host/8', '10.0.0.0/x']) {
      expect(() => resolveOptions({}, { DAGFLOW_HTTP_ALLOW: bad }), bad).toThrow(
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
