--[[
  Records the outcome of a completed node's compensation, unless the request moved on since the
  compensations began (fencing): a rerun changes its generation and status, and a compensation run
  for the ended request must not write into the rerun.

  KEYS[1] state hash
  ARGV[1] node path   ARGV[2] outcome (JSON)   ARGV[3] the request's generation when compensating began

  Returns 1 when recorded, 0 when stale (the request was rerun, or no longer exists).
]]
--- @keys 1
--- @replies none
local st = redis.call('HMGET', KEYS[1], REQ.status, REQ.generation)
if (st[1] ~= 'failed' and st[1] ~= 'stopped') or (st[2] or '0') ~= ARGV[3] then
  return 0
end
redis.call('HSET', KEYS[1], F.compensation .. ARGV[1], ARGV[2])
return 1
