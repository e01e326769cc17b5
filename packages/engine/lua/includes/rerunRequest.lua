--[[
  rerun_request(status, now, completed_retention, channel, message): begins a rerun of a request in
  `status` (KEYS as controlRequest.lua's): failed|stopped. The generation is bumped and the rerun's
  progress written (field rerunning); the steps are reset and released by rerunSlice.lua in bounded
  calls (a rerun of 100,000 items must not block Redis), the request keeping its status (failed,
  stopped, or completed for a rerun from a node) until the last of them makes it run. A request whose terminals all completed while it was stopped or failed
  (field allDone, see countTerminal.lua) has nothing left to run: it completes at once, and ends as any
  completed request does (end_request, with the completed retention). A request with a rerun in progress
  (its caller died between slices) goes on with that rerun, whatever its status says.

  Returns
    { 0, {}, generation, 2 }   the rerun began (or goes on): the caller runs rerunSlice.lua to its end
    { 0, {}, generation, 1 }   the request completed at once
    { -2, status }             the request is not failed nor stopped
]]
--- @replies OK INVALID_TRANSITION
--- @include storeResuming
--- @include announceRequest
--- @include endRequest

local function rerun_request(status, now, completed_retention, channel, message)
  local progress = redis.call('HGET', KEYS[1], REQ.rerunning)
  if progress then
    return { R.OK, {}, cjson.decode(progress).g, 2 }
  end
  if status ~= 'failed' and status ~= 'stopped' then
    return { R.INVALID_TRANSITION, status }
  end
  local generation = redis.call('HINCRBY', KEYS[1], REQ.generation, 1)
  if redis.call('HEXISTS', KEYS[1], REQ.allDone) == 1 then
    redis.call('HSET', KEYS[1], REQ.status, 'completed', REQ.finishedAt, now)
    redis.call('HDEL', KEYS[1], REQ.error, REQ.allDone)
    store_resuming(KEYS[1], {})
    end_request(KEYS, 'completed', completed_retention, channel, message)
    return { R.OK, {}, generation, 1 }
  end
  -- The steps of an interrupted resume are released again under this generation: their chunks are
  -- the first the slices take (k = 1 .. n); a version before T3-2 kept them in one field.
  local legacy = redis.call('HGET', KEYS[1], REQ.resuming)
  if legacy then
    local steps = {}
    for step in pairs(cjson.decode(legacy)) do
      steps[#steps + 1] = step
    end
    append_resuming(KEYS[1], steps, generation)
    redis.call('HDEL', KEYS[1], REQ.resuming)
  end
  local chunks = tonumber(redis.call('HGET', KEYS[1], REQ.resumingChunks) or '0')
  redis.call('HSET', KEYS[1], REQ.rerunning,
    cjson.encode({ g = generation, k = 1, n = chunks, c = '0', f = {}, e = 1, o = 0 }))
  return { R.OK, {}, generation, 2 }
end
