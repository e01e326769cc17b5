--[[
  Marks a queued step as waiting because no live worker can run it (STEP_UNAVAILABLE: its request runs
  on an older flow version whose code for the step no live process has), once: the first mark's time is
  kept, so that a step unavailable for longer than the service's stepUnavailableTimeoutMs can be failed.
  Nothing is written for a request that is gone (no key is created) or a step that began or ended. A
  request that is not running keeps the step as beginNode would: held while paused (resume enqueues it
  again), left to rerun when it failed or was stopped; the caller drops the job then.

  KEYS[1] state hash   KEYS[2] held set
  ARGV[1] step path   ARGV[2] now (ms)

  Returns
    { 0, since }    marked (or marked before): since when the step is unavailable (ms)
    { 1 }           the step began or ended meanwhile; nothing changed
    { 2, status }   the request is not running (the step is held while it is paused)
    { -1 }          no such request
]]
--- @keys 2
--- @replies OK COMPLETED NOT_RUNNING MISSING
--- @include announceStep
--- @include holdSet
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.unavailable .. path)
if not st[1] then
  return { R.MISSING }
end
if st[2] == 'running' or st[2] == 'completed' or st[2] == 'failed' then
  return { R.COMPLETED }
end
if st[1] ~= 'pending' and st[1] ~= 'running' then
  if st[1] == 'paused' then
    hold(KEYS[1], KEYS[2], { path })
  end
  return { R.NOT_RUNNING, st[1] }
end
if st[3] then
  return { R.OK, st[3] }
end
redis.call('HSET', KEYS[1], F.unavailable .. path, ARGV[2])
announce_step(KEYS[1], path, 'waiting')
return { R.OK, ARGV[2] }
