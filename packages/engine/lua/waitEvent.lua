--[[
  Registers a step that waits for an event (dag.waitFor) in the event's index, all in the event's slot
  (the keys share the hash tag of the event name, not of the request): the waiter goes into the set of
  its match hash, so that an emit finds it by the hash of the event's values, whatever the number of
  waiters. Its key set (the event paths it matches on) is recorded with the largest look-back asked for
  it, so that emits compute hashes for it and keep events for look-backs. With a look-back, the first
  event of the window kept under the hash (see emitEvent.lua) is answered instead, and nothing is
  registered.

  KEYS[1] key sets of the event (hash: key set JSON -> look-back ms)
  KEYS[2] waiters of the match hash (set)   KEYS[3] recent events of the match hash (list)
  ARGV[1] key set JSON   ARGV[2] look-back ms (0: none)   ARGV[3] the waiter (JSON, see event-index.ts)
  ARGV[4] how long (ms) the index keys live at least from now   ARGV[5] now (ms, the caller's clock)

  Every key expires: the key sets and waiters live ARGV[4] at least (extended, never shortened), the
  recent events as long as the longest look-back.

  Returns
    { 0 }           registered
    { 4, data }     a recent event matches: its encoded data
]]
--- @keys 3
--- @replies OK READY
local lookback = tonumber(ARGV[2])
local ttl = tonumber(ARGV[4])
local function live_at_least(key)
  if redis.call('PTTL', key) < ttl then
    redis.call('PEXPIRE', key, ttl)
  end
end
local known = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '-1')
if known < lookback then
  redis.call('HSET', KEYS[1], ARGV[1], lookback)
end
live_at_least(KEYS[1])
if lookback > 0 then
  local since = tonumber(ARGV[5]) - lookback
  for _, entry in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
    local bar = string.find(entry, '|', 1, true)
    if tonumber(string.sub(entry, 1, bar - 1)) >= since then
      return { R.READY, string.sub(entry, bar + 1) }
    end
  end
end
redis.call('SADD', KEYS[2], ARGV[3])
live_at_least(KEYS[2])
return { R.OK }
