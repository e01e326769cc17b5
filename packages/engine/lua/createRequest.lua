--[[
  Creates a request unless one with that id exists (execute is idempotent per request id).

  KEYS[1] state hash   KEYS[2] data hash
  ARGV[1] now (ms)     ARGV[2] encoded input   ARGV[3] encoded context (query, headers) or ''
  ARGV[4] version of the flow definition the request runs on, to its end
  ARGV[5] events channel   ARGV[6] event message (`flow/requestId`): a new request is announced `pending`
  ARGV[7] the parent of a child request (JSON: flow, requestId, node; see request-ended.ts), or ''
  ARGV[8] the partition the request is placed in (`<count>.<index>`, store/partitions.ts), or '' for the
          flow's own queue; it stays the request's partition however the flow's count changes later

  Returns { 1 } when created, { 0, status } when the request already existed.
]]
--- @keys 2
--- @replies OK CREATED
local status = redis.call('HGET', KEYS[1], 'status')
if status then
  return { 0, status }
end
redis.call('HSET', KEYS[1], 'status', 'pending', 'createdAt', ARGV[1], 'version', ARGV[4])
if ARGV[7] and ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'parent', ARGV[7])
end
if ARGV[8] and ARGV[8] ~= '' then
  redis.call('HSET', KEYS[1], 'partition', ARGV[8])
end
if ARGV[3] ~= '' then
  redis.call('HSET', KEYS[2], 'in', ARGV[2], 'ctx', ARGV[3])
else
  redis.call('HSET', KEYS[2], 'in', ARGV[2])
end
redis.call('PUBLISH', ARGV[5], ARGV[6] .. ' pending')
return { 1 }
