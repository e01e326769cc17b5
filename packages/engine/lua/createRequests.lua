--[[
  Creates requests, each unless one with its id exists (execute is idempotent per request id). The
  executes a client makes in one tick come as one call (on a Redis Cluster, where each request's keys
  lie in a slot of their own, one request per call).

  KEYS    per request: its state hash, then its data hash
  ARGV    now (ms) and the events channel (each new request is announced `pending` on it), then
          NR.size arguments per request, in the order of KEYS: see NEW_REQUEST_ARGS in
          store/scripts/new-request-args.ts (their one layout, and the encoder). Each is read by
          name at its offset from there (ARGV[at + NR.input]: no table per request, which cost about
          1 µs of Redis CPU each). A call whose arguments do not fit that layout (another version's)
          is refused with an error before anything is written.
    The fields: encoded input; encoded context or ''; the flow definition's version the request runs
    on, to its end; the event message; the parent of a child request (JSON: flow, requestId, node; see
    request-ended.ts) or ''; the partition (`<count>.<index>`, store/partitions.ts; it stays the
    request's however the flow's count changes later) or ''; the input's fingerprint (field `fp`) or
    '' for a request whose input may change (debounced); start and finish deadlines (ms since epoch)
    or ''; the singleton key's name (cleared at its end) or ''; the fair tag (JSON [key, weight]) or ''.

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
local count = #KEYS / 2
if #KEYS % 2 ~= 0 or #ARGV ~= NR.fixed + count * NR.size then
  return redis.error_reply('createRequests: ' .. #KEYS .. ' keys and ' .. #ARGV ..
    ' arguments do not fit the layout of this version (' .. NR.fixed .. ' + ' .. NR.size ..
    ' per request, store/scripts/new-request-args.ts)')
end
local replies = {}
for i = 1, count do
  local state, data = KEYS[2 * i - 1], KEYS[2 * i]
  local at = NR.fixed + 1 + (i - 1) * NR.size
  local parent, fingerprint = ARGV[at + NR.parent], ARGV[at + NR.fingerprint]
  local found = redis.call('HMGET', state, REQ.status, REQ.fingerprint, REQ.parent)
  local status = found[1]
  if status then
    if parent ~= '' then
      if found[3] ~= parent then
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
    redis.call('HSET', state, REQ.status, 'pending', REQ.createdAt, ARGV[1],
      REQ.version, ARGV[at + NR.version], REQ.fingerprint, fingerprint)
    if parent ~= '' then
      redis.call('HSET', state, REQ.parent, parent)
    end
    if ARGV[at + NR.partition] ~= '' then
      redis.call('HSET', state, REQ.partition, ARGV[at + NR.partition])
    end
    if ARGV[at + NR.startBy] ~= '' then
      redis.call('HSET', state, REQ.startBy, ARGV[at + NR.startBy])
    end
    if ARGV[at + NR.finishBy] ~= '' then
      redis.call('HSET', state, REQ.finishBy, ARGV[at + NR.finishBy])
    end
    if ARGV[at + NR.singleton] ~= '' then
      redis.call('HSET', state, REQ.singleton, ARGV[at + NR.singleton])
    end
    if ARGV[at + NR.fairKey] ~= '' then
      redis.call('HSET', state, REQ.fairKey, ARGV[at + NR.fairKey])
    end
    if ARGV[at + NR.context] ~= '' then
      redis.call('HSET', data, DATA.input, ARGV[at + NR.input], DATA.context, ARGV[at + NR.context])
    else
      redis.call('HSET', data, DATA.input, ARGV[at + NR.input])
    end
    announce_request(state, ARGV[2], ARGV[at + NR.message], 'pending')
    replies[i] = R.CREATED
  end
end
return replies
