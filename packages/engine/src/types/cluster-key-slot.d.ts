// cluster-key-slot (the CRC16 slot function ioredis uses) ships no types.
declare module 'cluster-key-slot' {
  /** The Redis Cluster hash slot (0-16383) of a key, honouring its `{hash tag}`. */
  function generate(key: string): number;
  // eslint-disable-next-line no-restricted-syntax -- the shape of a CommonJS module's single export
  export default generate;
}
