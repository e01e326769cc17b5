--[[
  Creates requests, each unless one with its id exists (execute is idempotent per request id). The
  executes a client makes in one tick come as one call (on a Redis Cluster, where each request's keys
  lie in a slot of their own, one request per call).

  KEYS    per request: its state hash, then its data hash
  ARGV[1] now (ms)   ARGV[2] events channel (each new request is announced `pending` on it)
  then 11 arguments per request, in the order of KEYS:
    encoded input; encoded context (query, headers) or '';
    version of the flow definition the request runs on, to its end;
    event message (`flow/requestId`);
    the parent of a child request (JSON: flow, requestId, node; see request-ended.ts), or '';
    the partition it is placed in (`<count>.<index>`, store/partitions.ts), or '' for the flow's own
      queue; it stays the request's partition however the flow's count changes later;
    the input's fingerprint (field `fp`), or '' for a request whose input may change (debounced);
    its start deadline and finish deadline (ms since epoch, fields startBy and finishBy), or '' each;
    the name of its singleton key (field singleton, cleared at its end), or '';
    its fair tag (field fairKey, JSON [key, weight], for a flow with `fairness`), or ''

  An existing request is answered as it is (execute is idempotent per id) unless the call does not
  match it: a child request (parent given) must have been created for that parent node, else the
  request is someone else's (FOREIGN_CHILD); another call must bring the input it was created with
  when both have a fingerprint, else the id is reused for another input (INPUT_MISMATCH). A request
  created before T3-2 has no fingerprint and accepts any input.

  Returns, per request in order: 1 (CREATED) when it was created, -3 (INPUT_MISMATCH), -4
  (FOREIGN_CHILD), else the existing request's status.
]]
--- @keys dynamic
--- @replies CREATED INPUT_MISMATCH FOREIGN_CHILD
--- @include announceRequest
local replies = {}
for i = 1, #KEYS / 2 do
  local state, data = KEYS[2 * i - 1], KEYS[2 * i]
  local at = 3 + (i - 1) * 11
  local found = redis.call('HMGET', state, REQ.status, REQ.fingerprint, REQ.parent)
  local status = found[1]
  if status then
    local fingerprint = ARGV[at + 6]
    if ARGV[at + 4] ~= '' then
      if found[3] ~= ARGV[at + 4] then
        replies[i] = R.FOREIGN_CHILD
      else
        replies[i] = status
      end
    elseif found[2] and found[2] ~= '' and fingerprint ~= '' and found[2] ~= fingerprint then
      replies[i] = R.INPUT_MISMATCH
    else
      replies[i] = status
    end
  else
    redis.call('HSET', state, REQ.status, 'pending', REQ.createdAt, ARGV[1], REQ.version, ARGV[at + 2],
      REQ.fingerprint, ARGV[at + 6])
    if ARGV[at + 4] ~= '' then
      redis.call('HSET', state, REQ.parent, ARGV[at + 4])
    end
    if ARGV[at + 5] ~= '' then
      redis.call('HSET', state, REQ.partition, ARGV[at + 5])
    end
    if ARGV[at + 7] ~= '' then
      redis.call('HSET', state, REQ.startBy, ARGV[at + 7])
    end
    if ARGV[at + 8] ~= '' then
      redis.call('HSET', state, REQ.finishBy, ARGV[at + 8])
    end
    if ARGV[at + 9] ~= '' then
      redis.call('HSET', state, REQ.singleton, ARGV[at + 9])
    end
    if ARGV[at + 10] ~= '' then
      redis.call('HSET', state, REQ.fairKey, ARGV[at + 10])
    end
    if ARGV[at + 1] ~= '' then
      redis.call('HSET', data, DATA.input, ARGV[at], DATA.context, ARGV[at + 1])
    else
      redis.call('HSET', data, DATA.input, ARGV[at])
    end
    announce_request(state, ARGV[2], ARGV[at + 3], 'pending')
    replies[i] = R.CREATED
  end
end
return replies
