--[[
  Reruns a completed, failed or stopped request from a top-level vertex (see plan/rerun-plan.ts, which
  works out the join counts from the state it read), provided the request's status and generation are
  still as read; otherwise nothing is written and the caller reads again.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV[1] status read   ARGV[2] generation read, or ''   ARGV[3] JSON array of the vertices to reset
  ARGV[4] JSON array of [field, value] state fields to set   ARGV[5] JSON array of steps to release
  ARGV[6] the step given a new input, or ''   ARGV[7] that input (encoded)
  ARGV[8] JSON of this rerun ({ from, at, inputReplaced })   ARGV[9] now (ms)
  ARGV[10] retention of a completed request (ms)   ARGV[11] events channel   ARGV[12] event message

  Every per-step field (a field '<prefix>|<path>') of the state and data hashes whose path lies in one
  of the vertices (inside composites too) is deleted, a delivered signal excepted (field sg|); the
  given fields are set, the released steps held, the rerun appended to field reruns, and the request
  reruns as controlRequest's rerun does (rerun_request: generation bump, then in bounded slices the
  fencing, failed and unfinished steps elsewhere reset, everything held released).

  Returns
    { 0, {}, generation, 2 }                  the rerun began: the caller runs its slices (rerunSlice.lua)
    { 2, status }                             the state changed since it was read, or a rerun of it
                                              is in progress; nothing written
    { -2, status }                            the request is not completed, failed nor stopped
    { -1 }                                    no such request
]]
--- @keys 5
--- @replies OK NOT_RUNNING INVALID_TRANSITION MISSING
--- @include chunked
--- @include holdSet
--- @include rerunRequest
local status = redis.call('HGET', KEYS[1], REQ.status)
if not status then
  return { R.MISSING }
end
if status ~= 'completed' and status ~= 'failed' and status ~= 'stopped' then
  return { R.INVALID_TRANSITION, status }
end
local generation = redis.call('HGET', KEYS[1], REQ.generation) or ''
if status ~= ARGV[1] or generation ~= ARGV[2] or redis.call('HEXISTS', KEYS[1], REQ.rerunning) == 1 then
  return { R.NOT_RUNNING, status }
end

local reset = {}
for _, vertex in ipairs(cjson.decode(ARGV[3])) do
  reset[vertex] = true
end
-- One match per field, no substring of it built first: a for-each's hashes hold a field per item.
local function top_vertex(field)
  return string.match(field, '^[^|]*|([^/%[|]*)')
end
local function drop(key, keep_prefix)
  local gone = {}
  for _, field in ipairs(redis.call('HKEYS', key)) do
    local vertex = top_vertex(field)
    if vertex and reset[vertex] and (keep_prefix == nil or string.sub(field, 1, #keep_prefix) ~= keep_prefix) then
      gone[#gone + 1] = field
    end
  end
  chunked('HDEL', key, gone, 1, #gone)
end
drop(KEYS[1], nil)
drop(KEYS[2], F.signal)

for _, pair in ipairs(cjson.decode(ARGV[4])) do
  redis.call('HSET', KEYS[1], pair[1], pair[2])
end
redis.call('HDEL', KEYS[1], REQ.allDone)
if ARGV[6] ~= '' then
  redis.call('HSET', KEYS[2], F.input .. ARGV[6], ARGV[7])
end
local reruns = cjson.decode(redis.call('HGET', KEYS[1], REQ.reruns) or '[]')
reruns[#reruns + 1] = cjson.decode(ARGV[8])
redis.call('HSET', KEYS[1], REQ.reruns, cjson.encode(reruns))
local release = cjson.decode(ARGV[5])
if #release > 0 then
  hold(KEYS[1], KEYS[4], release)
end
-- A completed request reruns as a stopped one would: its TTL goes, it runs until it ends again.
return rerun_request('stopped', ARGV[9], ARGV[10], ARGV[11], ARGV[12])
