--[[
  Joins a debounced request whose window is open: its stored input becomes this call's and its window
  ends `ms` from now. The window is open while the request is pending and its `debounceDue` field is
  set and in the future; debounceGate.lua closes it when a root starts, so a join and a start of the
  same request never interleave: either the join lands first (the root waits again) or the start does
  (the join answers NOT_RUNNING and the caller starts a new request).

  KEYS[1] state hash   KEYS[2] data hash
  ARGV[1] now (ms)     ARGV[2] window (ms)   ARGV[3] encoded input

  Returns { 0 } joined, { 2 } when the window is closed, { -1 } when the request does not exist.
]]
--- @keys 2
--- @replies OK NOT_RUNNING MISSING
local st = redis.call('HMGET', KEYS[1], REQ.status, REQ.debounceDue)
if not st[1] then
  return { R.MISSING }
end
local now = tonumber(ARGV[1])
if st[1] ~= 'pending' or not st[2] or tonumber(st[2]) <= now then
  return { R.NOT_RUNNING }
end
redis.call('HSET', KEYS[1], REQ.debounceDue, now + tonumber(ARGV[2]))
redis.call('HSET', KEYS[2], DATA.input, ARGV[3])
return { R.OK }
