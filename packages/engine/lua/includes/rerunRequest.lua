--[[
  rerun_request(status, now, completed_retention, channel, message): controlRequest's rerun of a
  request in `status` (KEYS as controlRequest.lua's): failed|stopped -> running; failed and unfinished
  steps (waiting ones too) are reset (their attempts still running lose ownership: field w| becomes
  'r<generation>', so their late completions are stale, and jobs of older generations still waiting do
  not start), the TTL is removed; returns those steps plus the held and resuming ones to enqueue. A
  request whose terminals all completed while it was stopped or failed (field allDone, see
  countTerminal.lua) has nothing left to run: it completes at once, and ends as any completed request
  does (end_request, with the completed retention).

  Returns
    { 0, steps, generation, 0, generations }  the steps to enqueue, each with its job-id generation
    { 0, {}, generation, 1 }                  the request completed at once
    { -2, status }                            the request is not failed nor stopped
]]
--- @replies OK INVALID_TRANSITION
--- @include stepsWith
--- @include chunked
--- @include takeResuming
--- @include storeResuming
--- @include releaseAll
--- @include announceRequest
--- @include endRequest

local function rerun_request(status, now, completed_retention, channel, message)
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
  local reset, fields = steps_with({
    failed = true, queued = true, running = true, retrying = true, waiting = true,
  })
  -- Only the fields that exist go (most reset steps, a for-each's waiting items, have none), found
  -- without building a field name per step.
  local resetting = {}
  for _, step in ipairs(reset) do
    resetting[step] = true
  end
  local gone = {}
  for field in pairs(fields) do
    for _, prefix in ipairs({ F.status, F.finishedAt, F.error }) do
      if string.sub(field, 1, #prefix) == prefix and resetting[string.sub(field, #prefix + 1)] then
        gone[#gone + 1] = field
      end
    end
  end
  chunked('HDEL', KEYS[1], gone, 1, #gone)
  for _, step in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    reset[#reset + 1] = step
  end
  -- Everything is enqueued under the new generation, steps left from an interrupted resume too.
  local pending = {}
  for step in pairs(take_resuming()) do
    reset[#reset + 1] = step
  end
  local steps, generations = release_all(pending, reset, generation)
  redis.call('HSET', KEYS[1], REQ.status, 'running')
  -- A rerun runs without the deadlines of the first run (its deadline job is gone).
  redis.call('HDEL', KEYS[1], REQ.finishedAt, REQ.error, REQ.startBy, REQ.finishBy)
  for i = 1, 5 do
    redis.call('PERSIST', KEYS[i])
  end
  announce_request(KEYS[1], channel, message, 'running')
  return { R.OK, steps, generation, 0, generations }
end
