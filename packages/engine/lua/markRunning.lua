--[[
  Marks a step begun without beginNode (its input handed over) as running, attempt 1, once it runs long
  enough to show; a request still pending (its roots begin this way) is running from then on.

  KEYS[1] state hash
  ARGV[1] step path   ARGV[2] the step's start (ms)   ARGV[3] the attempt's owner token (see beginNode.lua)

  Returns 1, or 0 when the request does not exist (expired), the step already ended, or another attempt
  owns it (a rerun reset it, or a later delivery began it).
]]
--- @keys 1
--- @replies none
--- @include startRequest
--- @include announceStep
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.owner .. path)
if not st[1] or st[2] == 'completed' or st[2] == 'failed' or (st[3] and st[3] ~= ARGV[3]) then
  return 0
end
redis.call('HSET', KEYS[1], unpack(start_request({ F.status .. path, 'running',
  F.startedAt .. path, ARGV[2], F.attempts .. path, 1, F.owner .. path, ARGV[3] }, st[1], ARGV[2])))
announce_step(KEYS[1], path, 'running')
return 1
