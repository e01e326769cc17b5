--[[
  announce(channel, message): publishes on a request's channel ('<state key>:live', in the request's
  hash slot) with sharded pub/sub (SPUBLISH, Redis 7.0+), so that on a Redis Cluster the message stays
  on the shard that owns the request; on an older Redis, with PUBLISH (its subscribers SUBSCRIBE: see
  resources/subscriptions.ts). Only processes that wait for, watch or run the request listen.
]]
--- @replies none

local function announce(channel, message)
  if not pcall(redis.call, 'SPUBLISH', channel, message) then
    redis.call('PUBLISH', channel, message)
  end
end
