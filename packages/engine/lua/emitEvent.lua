--[[
  Takes the waiters an event matches out of the event's index (see waitEvent.lua), in the event's slot:
  for each key set of the event the emitter knows, the waiters of the event's match hash are taken (the
  set is removed, so that each registration is handed out once), and with a look-back the event is kept
  under the hash for steps reached later. The emitter then delivers the event to each waiter in the
  waiter's request slot (deliverSignal.lua, fenced by the waiter's owner token and once per step).

  KEYS[1..n]  per key set: the waiters of its match hash (set), then its recent events (list), in turn
  ARGV[1] the event's encoded data   ARGV[2] now (ms, the caller's clock)
  ARGV[3..] per key set: its look-back ms (0: none)

  Recent events are kept as `<ms>|<data>`, the last 64 per hash, for the longest look-back of the key
  set (the list's TTL).

  Returns
    { 0, waiters }   the waiters taken (JSON, as registered)
]]
--- @keys dynamic
--- @replies OK
local taken = {}
local now = ARGV[2]
for i = 1, #KEYS / 2 do
  local waiters, recent = KEYS[2 * i - 1], KEYS[2 * i]
  for _, waiter in ipairs(redis.call('SMEMBERS', waiters)) do
    taken[#taken + 1] = waiter
  end
  redis.call('DEL', waiters)
  local lookback = tonumber(ARGV[i + 2])
  if lookback > 0 then
    redis.call('RPUSH', recent, now .. '|' .. ARGV[1])
    redis.call('LTRIM', recent, -64, -1)
    redis.call('PEXPIRE', recent, lookback)
  end
end
return { R.OK, taken }
