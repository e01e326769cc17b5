--[[
  hold(state, held, steps): adds `steps` to a request's held set (steps a resume or rerun enqueues
  again) and flags it in the state hash (field hasHeld). The held set expires with its request: a
  paused, stopped or failed request's state hash has a TTL (controlRequest.lua, failNode.lua), which a
  set created after that (a successor of a step that finished later) would not have; it gets the state
  hash's remaining TTL. A request that runs again clears the TTL of both (resume, rerun).
]]
--- @replies none

local function hold(state, held, steps)
  for i = 1, #steps, 4000 do
    redis.call('SADD', held, unpack(steps, i, math.min(i + 3999, #steps)))
  end
  redis.call('HSET', state, REQ.hasHeld, '1')
  local ttl = redis.call('PTTL', state)
  if ttl > 0 then
    redis.call('PEXPIRE', held, ttl)
  end
end
