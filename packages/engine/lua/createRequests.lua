--[[
  Creates requests, each unless one with its id exists (execute is idempotent per request id). The
  executes a client makes in one tick come as one call (on a Redis Cluster, where each request's keys
  lie in a slot of their own, one request per call).

  KEYS    per request: its state hash, then its data hash
  ARGV[1] now (ms)   ARGV[2] events channel (each new request is announced `pending` on it)
  then 6 arguments per request, in the order of KEYS:
    encoded input; encoded context (query, headers) or '';
    version of the flow definition the request runs on, to its end;
    event message (`flow/requestId`);
    the parent of a child request (JSON: flow, requestId, node; see request-ended.ts), or '';
    the partition it is placed in (`<count>.<index>`, store/partitions.ts), or '' for the flow's own
      queue; it stays the request's partition however the flow's count changes later

  Returns, per request in order: 1 (CREATED) when it was created, else the existing request's status.
]]
--- @keys dynamic
--- @replies CREATED
local replies = {}
for i = 1, #KEYS / 2 do
  local state, data = KEYS[2 * i - 1], KEYS[2 * i]
  local at = 3 + (i - 1) * 6
  local status = redis.call('HGET', state, 'status')
  if status then
    replies[i] = status
  else
    redis.call('HSET', state, 'status', 'pending', 'createdAt', ARGV[1], 'version', ARGV[at + 2])
    if ARGV[at + 4] ~= '' then
      redis.call('HSET', state, 'parent', ARGV[at + 4])
    end
    if ARGV[at + 5] ~= '' then
      redis.call('HSET', state, 'partition', ARGV[at + 5])
    end
    if ARGV[at + 1] ~= '' then
      redis.call('HSET', data, 'in', ARGV[at], 'ctx', ARGV[at + 1])
    else
      redis.call('HSET', data, 'in', ARGV[at])
    end
    redis.call('PUBLISH', ARGV[2], ARGV[at + 3] .. ' pending')
    replies[i] = 1
  end
end
return replies
