--[[
  Before a root step of a debounced request runs: while its window is open, says how long to wait;
  once it has passed, closes it (no call joins the request any more, see debounceJoin.lua).

  KEYS[1] state hash
  ARGV[1] now (ms)

  Returns { 0, ms to wait } (0: run now).
]]
--- @keys 1
--- @replies OK
local due = redis.call('HGET', KEYS[1], REQ.debounceDue)
if not due then
  return { R.OK, 0 }
end
local wait = tonumber(due) - tonumber(ARGV[1])
if wait > 0 then
  return { R.OK, wait }
end
redis.call('HDEL', KEYS[1], REQ.debounceDue)
return { R.OK, 0 }
