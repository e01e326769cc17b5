--[[
  Marks a step begun implicitly (without beginNode, its input handed over; see impliedBegin.lua) as
  running once it runs long enough to show: its status, start, attempt (1) and owner; a request still
  pending (its roots begin this way) is running from then on.

  KEYS[1] state hash
  ARGV[1] step path   ARGV[2] the step's start (ms)   ARGV[3] the attempt's owner token (see beginNode.lua)

  Returns 1, or 0 when the request does not exist (expired), the step already ended, or another attempt
  owns it (a rerun reset it, or a later delivery began it).
]]
--- @keys 1
--- @replies none
--- @include startRequest
--- @include impliedBegin
--- @include announceStep
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.owner .. path)
if not st[1] or st[2] == 'completed' or st[2] == 'failed' or (st[3] and st[3] ~= ARGV[3]) then
  return 0
end
local fields = implied_begin({ F.status .. path, 'running', F.owner .. path, ARGV[3] }, path,
  ARGV[2])
redis.call('HSET', KEYS[1], unpack(start_request(fields, st[1], ARGV[2])))
announce_step(KEYS[1], path, 'running')
return 1
