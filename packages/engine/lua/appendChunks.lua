--[[
  Appends the chunks one attempt of one step emitted (ctx.emit) to its request's stream, in order,
  each as entry '0-<seq>' (seq: the request's chunk count, from 1; Redis makes it) with the step's
  path, the attempt and the encoded chunk; then announces the last seq on '<state key>:chunks' for
  the stream's readers.

  Fencing, as completions are fenced (see fenceCompletion.lua): the attempt must own the step (field
  w|<path>; absent while only an implied begin ran), so a stale attempt (another attempt
  owns the step now) appends nothing, nor does an attempt that failed (the step waits for its retry).
  Nor may an attempt append once its step finished (completed or
  failed) or its request ended: a reader that saw the end has read everything.

  KEYS[1] state hash   KEYS[2] stream
  ARGV[1] step path   ARGV[2] the attempt's owner token   ARGV[3] attempt number
  ARGV[4] the stream's byte limit   ARGV[5] the stream's TTL while its request runs (ms)
  ARGV[6..] the encoded chunks

  The stream never lives without a TTL: it takes the state hash's TTL (a paused request's) when it has
  one, else ARGV[5] (the longest retention), renewed by each append; the request's end gives it the
  request's retention (end_request, flagged by field streamBytes, the bytes of chunk data held). So a
  request ended by an engine from before streams (whose end does not know the stream) leaves a stream
  that still expires.

  Returns
    { 0, first seq, count }          appended
    { 6, first seq, count, bytes }   only the first count chunks fit under the byte limit (bytes: what
                                     the stream holds); the others were not appended
    { 2, status }                    the request ended or the step finished (its status); nothing appended
    { 3, owner }                     stale: another attempt owns the step; nothing appended
    { -1 }                           no such request
]]
--- @keys 2
--- @replies OK FULL NOT_RUNNING STALE MISSING
--- @include announce
local path = ARGV[1]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.owner .. path,
  REQ.streamBytes)
local status = st[1]
if not status then
  return { R.MISSING }
end
if status == 'completed' or status == 'failed' or status == 'stopped' then
  return { R.NOT_RUNNING, status }
end
if st[2] == 'completed' or st[2] == 'failed' then
  return { R.NOT_RUNNING, st[2] }
end
if (st[3] and st[3] ~= ARGV[2]) or st[2] == 'retrying' then
  return { R.STALE, st[3] or '' }
end

local limit = tonumber(ARGV[4])
local bytes = tonumber(st[4] or '0')
local first = nil
local last = nil
local count = 0
for i = 6, #ARGV do
  local size = #ARGV[i]
  if bytes + size > limit then
    break
  end
  bytes = bytes + size
  last = redis.call('XADD', KEYS[2], '0-*', CH.node, path, CH.attempt, ARGV[3], CH.data, ARGV[i])
  first = first or last
  count = count + 1
end
local function seq(id)
  return tonumber(string.sub(id, 3))
end
if count > 0 then
  redis.call('HSET', KEYS[1], REQ.streamBytes, bytes)
  local ttl = redis.call('PTTL', KEYS[1])
  redis.call('PEXPIRE', KEYS[2], ttl > 0 and ttl or ARGV[5])
  announce(KEYS[1] .. ':chunks', tostring(seq(last)))
end
if count < #ARGV - 5 then
  return { R.FULL, first and seq(first) or 0, count, bytes }
end
return { R.OK, seq(first), count }
