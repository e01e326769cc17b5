--[[
  Confirms that a resume or rerun enqueued its steps: drops them from the request's resuming field
  (see controlRequest.lua), unless a later command gave them a newer generation meanwhile.

  KEYS[1] state hash
  ARGV[1] the generation the steps were enqueued with   ARGV[2..] the steps

  Returns the number of steps dropped.
]]
--- @keys 1
--- @replies none
local stored = redis.call('HGET', KEYS[1], REQ.resuming)
if not stored then
  return 0
end
local pending = cjson.decode(stored)
local generation = tonumber(ARGV[1])
local dropped = 0
for i = 2, #ARGV do
  if pending[ARGV[i]] == generation then
    pending[ARGV[i]] = nil
    dropped = dropped + 1
  end
end
if next(pending) == nil then
  redis.call('HDEL', KEYS[1], REQ.resuming)
else
  redis.call('HSET', KEYS[1], REQ.resuming, cjson.encode(pending))
end
return dropped
