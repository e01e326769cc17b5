--[[
  Confirms that a resume or rerun enqueued steps of one chunk of its reply (see store_resuming): drops
  them from that chunk (field resuming.<k>), unless a later command gave them a newer generation
  meanwhile (a step another resume moved to another chunk stays: a later resume enqueues it again
  under the same job id, which is harmless). The last chunk confirmed takes field resumingChunks along.

  KEYS[1] state hash
  ARGV[1] the generation the steps were enqueued with   ARGV[2] the chunk k   ARGV[3..] the steps

  Returns the number of steps dropped.
]]
--- @keys 1
--- @replies none
local field = REQ.resumingChunk .. ARGV[2]
local stored = redis.call('HGET', KEYS[1], field)
if not stored then
  return 0
end
local pending = cjson.decode(stored)
local generation = tonumber(ARGV[1])
local dropped = 0
for i = 3, #ARGV do
  if pending[ARGV[i]] == generation then
    pending[ARGV[i]] = nil
    dropped = dropped + 1
  end
end
if next(pending) ~= nil then
  redis.call('HSET', KEYS[1], field, cjson.encode(pending))
  return dropped
end
redis.call('HDEL', KEYS[1], field)
local count = tonumber(redis.call('HGET', KEYS[1], REQ.resumingChunks) or '0')
for k = 1, count do
  if redis.call('HEXISTS', KEYS[1], REQ.resumingChunk .. k) == 1 then
    return dropped
  end
end
redis.call('HDEL', KEYS[1], REQ.resumingChunks)
return dropped
