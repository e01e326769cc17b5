--[[
  Marks a step begun without beginNode (its input handed over) as running, attempt 1, once it runs long
  enough to show; a request still pending (its roots begin this way) is running from then on.

  KEYS[1] state hash
  ARGV[1] step path   ARGV[2] the step's start (ms)

  Returns 1, or 0 when the request does not exist (expired) or the step already ended.
]]
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], 'status', 's|' .. path)
if not st[1] or st[2] == 'completed' or st[2] == 'failed' then
  return 0
end
redis.call('HSET', KEYS[1], 's|' .. path, 'running', 't0|' .. path, ARGV[2], 'a|' .. path, 1)
if st[1] == 'pending' then
  redis.call('HSET', KEYS[1], 'status', 'running', 'startedAt', ARGV[2])
end
return 1
