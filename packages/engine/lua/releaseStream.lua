--[[
  Releases the consumers of a step's stream edges (dag.edge(from, to, { stream: true })) when an
  attempt of the step (the producer) starts, so that they read its chunks while it runs; its
  completion does not release them (they are not among its successors in the plan).

  Fenced like appendChunks: only the attempt that owns the producer (field w|<path>) releases, and
  only while the producer runs and the request is running or paused (a paused request's consumer is
  held by its own job, as beginNode holds any step). Each consumer that has not completed is returned
  for the caller to enqueue under the request's job-id generation; one without a status of its own is
  marked queued. A consumer already running, retrying or queued is returned again: its job id makes
  the add harmless while its job exists (a redelivered producer releases again what a crash lost).

  KEYS[1] state hash
  ARGV[1] producer path   ARGV[2] the attempt's owner token   ARGV[3..] consumer paths

  Returns
    { 0, released }   released: consumer paths to enqueue
    { 2, status }     the request ended or the producer finished (its status); nothing released
    { 3, owner }      stale: another attempt owns the producer; nothing released
    { -1 }            no such request
]]
--- @keys 1
--- @replies OK NOT_RUNNING STALE MISSING
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.owner .. path)
local status = st[1]
if not status then
  return { R.MISSING }
end
if status ~= 'running' and status ~= 'paused' and status ~= 'pending' then
  return { R.NOT_RUNNING, status }
end
if st[2] == 'completed' or st[2] == 'failed' then
  return { R.NOT_RUNNING, st[2] }
end
if (st[3] and st[3] ~= ARGV[2]) or st[2] == 'retrying' then
  return { R.STALE, st[3] or '' }
end

local released = {}
local queued = {}
for i = 3, #ARGV do
  local consumer = ARGV[i]
  local own = redis.call('HGET', KEYS[1], F.status .. consumer)
  if own ~= 'completed' then
    released[#released + 1] = consumer
    if not own then
      queued[#queued + 1] = F.status .. consumer
      queued[#queued + 1] = 'queued'
    end
  end
end
if #queued > 0 then
  redis.call('HSET', KEYS[1], unpack(queued))
end
return { R.OK, released }
