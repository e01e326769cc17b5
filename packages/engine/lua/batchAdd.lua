--[[
  Adds one execute's input to the open batch of a key of a batched flow (`register(..., { batch })`),
  or opens a new batch with it. All the key's batch keys lie in the flow's slot, under fixed names:
  the open batch (a hash: its id, close time and bytes), its encoded inputs (a list, in arrival
  order), and the closed batches whose requests are still to be created (a hash: batch id -> the
  encoded array of its inputs). A batch closes once, in the script that moves it from open to closed:
  here when an input fills it (`maxSize`) or would take its array past the byte limit (the batch
  closes before it, and the input opens the next), or in batchClose.lua when its `maxWaitMs` passed.
  The open batch's pending mark (a string per batch id) lets a waiter tell a batch from an unknown id.

  KEYS[1] the open batch (hash)   KEYS[2] its inputs (list)   KEYS[3] the closed batches (hash)
  KEYS[4] the pending mark of the new batch's id (string)
  ARGV[1] a new batch's id   ARGV[2] the encoded input   ARGV[3] maxSize
  ARGV[4] most bytes of a batch's array   ARGV[5] a new batch's close time (ms)
  ARGV[6] time to live of the keys (ms)

  Returns { 0, batch id, position (0-based), close time, filled (1: this input closed it),
  the id of a batch this input closed early ('' for none) }.
]]
--- @keys 4
--- @replies OK
--- @include closeBatch
local fresh, input = ARGV[1], ARGV[2]
local max_size, max_bytes, ttl = tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[6]

-- An input adds its length and a separator to the batch's array.
local size = #input + 1
local early = ''
local open = redis.call('HMGET', KEYS[1], B.id, B.due, B.bytes)
if open[1] then
  if tonumber(open[3]) + size <= max_bytes then
    local count = redis.call('RPUSH', KEYS[2], input)
    redis.call('HINCRBY', KEYS[1], B.bytes, size)
    local filled = 0
    if count >= max_size then
      closeBatch(KEYS[1], KEYS[2], KEYS[3], open[1], ttl)
      filled = 1
    end
    return { R.OK, open[1], count - 1, open[2], filled, '' }
  end
  -- Past the byte limit: the open batch closes as it is, this input opens the next.
  closeBatch(KEYS[1], KEYS[2], KEYS[3], open[1], ttl)
  early = open[1]
end
redis.call('SET', KEYS[4], 1, 'PX', ttl)
redis.call('RPUSH', KEYS[2], input)
redis.call('HSET', KEYS[1], B.id, fresh, B.due, ARGV[5], B.bytes, size + 1)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
if max_size <= 1 then
  closeBatch(KEYS[1], KEYS[2], KEYS[3], fresh, ttl)
  return { R.OK, fresh, 0, ARGV[5], 1, early }
end
return { R.OK, fresh, 0, ARGV[5], 0, early }
