--[[
  Marks a queued step as waiting because no live worker can run it (STEP_UNAVAILABLE: its request runs
  on an older flow version whose code for the step no live process has), once: the first mark's time is
  kept, so that a step unavailable for longer than the service's stepUnavailableTimeoutMs can be failed.
  Nothing is written for a request that is gone (no key is created) or a step that began or ended.

  KEYS[1] state hash
  ARGV[1] step path   ARGV[2] now (ms)

  Returns
    { 0, since }    marked (or marked before): since when the step is unavailable (ms)
    { 1 }           the step began or ended meanwhile; nothing changed
    { -1 }          no such request
]]
--- @keys 1
--- @replies OK COMPLETED MISSING
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], 'status', 's|' .. path, 'u|' .. path)
if not st[1] then
  return { -1 }
end
if st[2] == 'running' or st[2] == 'completed' or st[2] == 'failed' then
  return { 1 }
end
if st[3] then
  return { 0, st[3] }
end
redis.call('HSET', KEYS[1], 'u|' .. path, ARGV[2])
-- Live views of this request (see Keys.request().live) hear that the step waits.
redis.call('PUBLISH', KEYS[1] .. ':live', path .. ' waiting')
return { 0, ARGV[2] }
