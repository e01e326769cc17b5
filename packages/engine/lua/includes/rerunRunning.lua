--[[
  rerun_running(channel, message): the end of a rerun's slices (rerunSlice.lua): the request runs again
  (KEYS as controlRequest.lua's), without the deadlines of its first run (its deadline job is gone) and
  without a TTL, and says so on its channels.
]]
--- @replies none
--- @include announceRequest

local function rerun_running(channel, message)
  redis.call('HSET', KEYS[1], REQ.status, 'running')
  redis.call('HDEL', KEYS[1], REQ.finishedAt, REQ.error, REQ.startBy, REQ.finishBy)
  for i = 1, 5 do
    redis.call('PERSIST', KEYS[i])
  end
  announce_request(KEYS[1], channel, message, 'running')
end
