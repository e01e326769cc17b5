--[[
  Parks a step that waits (a signal or child-flow node): its status becomes 'waiting' and its job ends,
  so that no worker slot and no job lock is held while it waits. Only the attempt that owns the step
  (field w|<path>, see beginNode.lua) parks it, and only while it runs: an attempt that lost the step (a
  wake job began it since, a rerun reset it) parks nothing. A signal delivered since the attempt began
  (data field sg|<path>, see deliverSignal.lua) is answered instead, and the attempt completes with it:
  deliverSignal wakes only a step it finds 'waiting', so the signal is never lost between the two.

  KEYS[1] state hash   KEYS[2] data hash
  ARGV[1] step path    ARGV[2] the attempt's owner token
  ARGV[3] the data field holding what the step waits for, or '' (a child flow: its end wakes the step)

  Returns
    { 0 }            parked
    { 4, value }     what the step waits for is there: the field's value
    { 3, owner }     stale: another attempt owns the step or it no longer runs; nothing written
    { -1 }           no such request
]]
--- @keys 2
--- @replies OK READY STALE MISSING
--- @include announceStep
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.owner .. path)
if not st[1] then
  return { R.MISSING }
end
if st[3] ~= ARGV[2] or st[2] ~= 'running' then
  return { R.STALE, st[3] or '' }
end
if ARGV[3] ~= '' then
  local value = redis.call('HGET', KEYS[2], ARGV[3])
  if value then
    return { R.READY, value }
  end
end
redis.call('HSET', KEYS[1], F.status .. path, 'waiting')
announce_step(KEYS[1], path, 'waiting')
return { R.OK }
