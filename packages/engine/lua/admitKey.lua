--[[
  Admits a request to a concurrency key: at most `limit` requests of the key run at once, the others
  wait in arrival order. A request already admitted stays admitted (a repeated delivery). A free slot
  goes to the earliest waiting request, so a newcomer never overtakes one that waits.

  KEYS[1] running set (zset: request id -> admission ms)   KEYS[2] waiting set (zset: request id -> arrival ms)
  KEYS[3] the key's limit (string; releaseKey.lua reads it): it expires ARGV[4] ms after its last use,
    so that every distinct key value does not leave a key behind for ever
  ARGV[1] request id   ARGV[2] limit   ARGV[3] now (ms)   ARGV[4] the limit's time to live (ms)

  Returns { 0 } admitted, { 2 } waiting.
]]
--- @keys 3
--- @replies OK NOT_RUNNING
local id = ARGV[1]
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[4])
if redis.call('ZSCORE', KEYS[1], id) then
  return { R.OK }
end
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], id)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[2]) then
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if first == id then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZADD', KEYS[1], ARGV[3], id)
    return { R.OK }
  end
end
return { R.NOT_RUNNING }
