--[[
  Admits a request to its rate-limit key's window (`rateLimit: { key, max, durationMs }`): at most `max`
  requests of the key start within any `durationMs` (a sliding window: the log of the starts within the
  last `durationMs`). A request already in the window stays admitted (a repeated delivery).

  KEYS[1] the window (zset: request id -> start ms); it expires `durationMs` after its last start
  ARGV[1] request id   ARGV[2] now (ms)   ARGV[3] durationMs   ARGV[4] max

  Returns { 0 } admitted, { 2, ms } the window is full until `ms` (when its oldest start leaves it).
]]
--- @keys 1
--- @replies OK NOT_RUNNING
local now, duration, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - duration)
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then
  return { R.OK }
end
if redis.call('ZCARD', KEYS[1]) < max then
  redis.call('ZADD', KEYS[1], now, ARGV[1])
  redis.call('PEXPIRE', KEYS[1], duration)
  return { R.OK }
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { R.NOT_RUNNING, tonumber(oldest[2]) + duration + 1 }
