import calculateSlot from 'cluster-key-slot';
import { describe, expect, it } from 'vitest';
import { Keys } from '../src/format/keys.js';
import {
  FLOW_QUEUE,
  formatPartition,
  parsePartition,
  partitionTag,
  partitionsOf,
  placeRequest,
} from '../src/format/partitions.js';

const keys = new Keys('dagflow');

describe('partitions of a flow', () => {
  it('keeps the flow queue names of one partition as they were', () => {
    expect(keys.queueName('orders')).toBe('{orders}');
    expect(keys.queueName('orders', 'billing', FLOW_QUEUE)).toBe('{orders}.billing');
    expect(keys.partitionOfQueue('{orders}.billing')).toEqual(FLOW_QUEUE);
    expect(placeRequest('any-id', 1)).toEqual(FLOW_QUEUE);
  });

  it('puts partition i of n in the middle half of slot range i of n', () => {
    for (const count of [2, 3, 4, 6, 9, 16]) {
      const width = 16_384 / count;
      for (let index = 0; index < count; index++) {
        const name = keys.queueName('orders', '', { index, count });
        const slot = calculateSlot(name);
        expect(slot, name).toBeGreaterThanOrEqual((index + 0.25) * width);
        expect(slot, name).toBeLessThanOrEqual((index + 0.75) * width);
        expect(calculateSlot(keys.queueName('orders', 'billing', { index, count }))).toBe(slot);
        expect(keys.partitionOfQueue(name)).toEqual({ index, count });
        expect(partitionTag('orders', { index, count })).toBe(name.slice(1, -1));
      }
    }
  });

  it('places a request id always in the same partition, spread evenly over many ids', () => {
    const seen = [0, 0, 0];
    for (let i = 0; i < 3_000; i++) {
      const { index } = placeRequest(`req-${i}`, 3);
      expect(placeRequest(`req-${i}`, 3).index).toBe(index);
      seen[index] = (seen[index] ?? 0) + 1;
    }
    for (const n of seen) expect(Math.abs(n - 1_000)).toBeLessThan(150);
  });

  it('stores a partition as count.index and reads a missing one as the flow queue', () => {
    expect(parsePartition(formatPartition({ index: 2, count: 5 }))).toEqual({ index: 2, count: 5 });
    for (const bad of [null, undefined, '', '3', '3.3', 'x.y'])
      expect(parsePartition(bad)).toEqual(FLOW_QUEUE);
  });

  it('serves the flow queue and every partition of every count, each once', () => {
    const all = partitionsOf([3, 1, 3, 2]);
    expect(all.map(formatPartition)).toEqual(['1.0', '3.0', '3.1', '3.2', '2.0', '2.1']);
  });
});
