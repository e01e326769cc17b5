--[[
  The fair scheduler's upkeep, run by each worker process serving the partition every few seconds:
  records the worker's concurrency (0: withdraws it), drops workers silent past their expiry, sets the
  window to the live workers' concurrency summed times the headroom, dispatches what it lets in
  (includes/fairDispatch.lua), and answers the nodes in flight for longer than the grace (their
  dispatch time is renewed), for the caller to check in BullMQ: a job that is gone is added again, one
  that finished is released.

  KEYS[1] active   KEYS[2] pending   KEYS[3] jobs   KEYS[4] running   KEYS[5] counts   KEYS[6] weights
  KEYS[7] meta   KEYS[8] capacity (keys.ts FairKeys)
  ARGV[1] min (0: none)   ARGV[2] max (0: none)   ARGV[3] now (ms)   ARGV[4] TTL of the keys (ms)
  ARGV[5] worker id   ARGV[6] its concurrency   ARGV[7] its expiry (ms)   ARGV[8] headroom (factor)
  ARGV[9] grace (ms)

  Returns { 0, { descriptor... }, { job id, descriptor, ... } }: the nodes dispatched, and those to check.
]]
--- @keys 8
--- @replies OK
--- @include fairDispatch
local k = { active = KEYS[1], pending = KEYS[2], jobs = KEYS[3], running = KEYS[4], counts = KEYS[5],
  weights = KEYS[6], meta = KEYS[7], capacity = KEYS[8] }
local now = tonumber(ARGV[3])
if tonumber(ARGV[6]) > 0 then
  redis.call('HSET', k.capacity, ARGV[5], ARGV[7] .. ' ' .. ARGV[6])
else
  redis.call('HDEL', k.capacity, ARGV[5])
end
local sum = 0
local workers = redis.call('HGETALL', k.capacity)
for i = 1, #workers, 2 do
  local entry = workers[i + 1]
  local space = string.find(entry, ' ', 1, true)
  if tonumber(string.sub(entry, 1, space - 1)) < now then
    redis.call('HDEL', k.capacity, workers[i])
  else
    sum = sum + tonumber(string.sub(entry, space + 1))
  end
end
redis.call('HSET', k.meta, 'window', math.ceil(sum * tonumber(ARGV[8])))
local dispatched = fair_dispatch(k, tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
local check = {}
local running = redis.call('HGETALL', k.running)
local before = now - tonumber(ARGV[9])
for i = 1, #running, 2 do
  local entry = running[i + 1]
  local space = string.find(entry, ' ', 1, true)
  if tonumber(string.sub(entry, 1, space - 1)) < before then
    redis.call('HSET', k.running, running[i], now .. string.sub(entry, space))
    check[#check + 1] = running[i]
    check[#check + 1] = redis.call('HGET', k.jobs, running[i]) or ''
  end
end
fair_expire(k, ARGV[4])
return { R.OK, dispatched, check }
