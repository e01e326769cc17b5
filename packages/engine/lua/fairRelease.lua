--[[
  Gives back the fair slots of nodes whose jobs ended (completed, failed for good, or found finished
  or gone by the reconcile), then dispatches the next nodes (includes/fairDispatch.lua). Releasing a
  node twice, or one not in flight, changes nothing. The keys' TTLs are renewed by fairEnqueue.lua and
  by each worker's fairReconcile.lua every few seconds, not on this hot path.

  KEYS[1] active   KEYS[2] pending   KEYS[3] jobs   KEYS[4] running   KEYS[5] counts   KEYS[6] weights
  KEYS[7] meta   KEYS[8] capacity (keys.ts FairKeys)
  ARGV[1] min (0: none)   ARGV[2] max (0: none)   ARGV[3] now (ms)   ARGV[4] unused (the calls share fairEnqueue's arguments)
  then the job ids released

  Returns { 0, descriptor... }: the nodes dispatched, to add to BullMQ.
]]
--- @keys 8
--- @replies OK
--- @include fairDispatch
local k = { active = KEYS[1], pending = KEYS[2], jobs = KEYS[3], running = KEYS[4], counts = KEYS[5],
  weights = KEYS[6], meta = KEYS[7], capacity = KEYS[8] }
for i = 5, #ARGV do
  local id = ARGV[i]
  local entry = redis.call('HGET', k.running, id)
  if entry then
    local key = string.sub(entry, string.find(entry, ' ', 1, true) + 1)
    redis.call('HDEL', k.running, id)
    redis.call('HDEL', k.jobs, id)
    if redis.call('HINCRBY', k.counts, key, -1) <= 0 then
      redis.call('HDEL', k.counts, key)
    end
  end
end
local reply = fair_dispatch(k, tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
table.insert(reply, 1, R.OK)
return reply
