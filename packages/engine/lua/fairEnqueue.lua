--[[
  Adds nodes of a fair flow (`fairness`) to its partition's pending set, each in its key's order
  (priority, then arrival), then dispatches what the window lets in (includes/fairDispatch.lua). A node
  pending or in flight already (its job id known) is not added twice. A key that becomes active starts
  at the virtual time, so it neither waits behind the others' past nor takes a burst of turns.

  KEYS[1] active   KEYS[2] pending   KEYS[3] jobs   KEYS[4] running   KEYS[5] counts   KEYS[6] weights
  KEYS[7] meta   KEYS[8] capacity (keys.ts FairKeys; all in the partition's hash tag)
  ARGV[1] min (0: none)   ARGV[2] max (0: none)   ARGV[3] now (ms)   ARGV[4] TTL of the keys (ms)
  then 5 per node: job id, key, weight, priority (0: none), descriptor (JSON)

  Returns { 0, descriptor... }: the nodes dispatched, to add to BullMQ.
]]
--- @keys 8
--- @replies OK
--- @include fairDispatch
local k = { active = KEYS[1], pending = KEYS[2], jobs = KEYS[3], running = KEYS[4], counts = KEYS[5],
  weights = KEYS[6], meta = KEYS[7], capacity = KEYS[8] }
local vt = redis.call('HGET', k.meta, 'vt') or '0'
for i = 5, #ARGV, 5 do
  local id, key = ARGV[i], ARGV[i + 1]
  if redis.call('HSETNX', k.jobs, id, ARGV[i + 4]) == 1 then
    local seq = redis.call('HINCRBY', k.meta, 'seq', 1)
    redis.call('ZADD', k.pending, 0, fair_member(key, tonumber(ARGV[i + 3]), seq, id))
    redis.call('ZADD', k.active, 'NX', vt, key)
    redis.call('HSET', k.weights, key, ARGV[i + 2])
  end
end
local reply = fair_dispatch(k, tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3])
fair_expire(k, ARGV[4])
table.insert(reply, 1, R.OK)
return reply
