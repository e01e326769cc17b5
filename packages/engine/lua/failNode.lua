--[[
  Records a failed attempt of a step. A final failure (no attempts left, or not retryable) fails the
  request: its error names the node, the attempts and the message, and it ends (end_request: its keys
  get the failed retention TTL and the failure is published). Otherwise the step waits for its retry.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV[1] step path    ARGV[2] now (ms)    ARGV[3] error (JSON)   ARGV[4] '1' when final, else '0'
  ARGV[5] retention of a failed request (ms)   ARGV[6] events channel   ARGV[7] event message
  ARGV[8] the attempt's owner token (see beginNode.lua)
  ARGV[9] the attempt's start when it began implicitly (see impliedBegin.lua), else ''

  Returns
    { 0 }           recorded; the request failed when final
    { 1 }           the step had completed (a late duplicate attempt); nothing changed
    { 2, status }   the request is not running; only the step's error was recorded
    { 3, owner }    stale: another attempt owns the step; nothing changed
    { -1 }          no such request
]]
--- @keys 5
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include startRequest
--- @include impliedBegin
--- @include announceStep
--- @include endRequest
local path = ARGV[1]
local now = ARGV[2]
local token = ARGV[8]
local st = redis.call('HMGET', KEYS[1], REQ.status, F.status .. path, F.owner .. path)
local status = st[1]
if not status then
  return { R.MISSING }
end
if st[2] == 'completed' then
  return { R.COMPLETED }
end
if st[3] and st[3] ~= token then
  return { R.STALE, st[3] }
end

local final = ARGV[4] == '1'
local fields = { F.status .. path, final and 'failed' or 'retrying', F.error .. path, ARGV[3],
  F.owner .. path, token }
if final then
  fields[#fields + 1] = F.finishedAt .. path
  fields[#fields + 1] = now
end
implied_begin(fields, path, ARGV[9] or '', true)
if not final then
  -- A request whose root began implicitly is running from then on.
  redis.call('HSET', KEYS[1], unpack(start_request(fields, status, now)))
  announce_step(KEYS[1], path, 'retrying')
  return { R.OK }
end

local live = status == 'pending' or status == 'running' or status == 'paused'
if live then
  fields[#fields + 1] = REQ.status
  fields[#fields + 1] = 'failed'
  fields[#fields + 1] = REQ.finishedAt
  fields[#fields + 1] = now
  fields[#fields + 1] = REQ.error
  fields[#fields + 1] = ARGV[3]
end
redis.call('HSET', KEYS[1], unpack(fields))
announce_step(KEYS[1], path, 'failed')
if not live then
  return { R.NOT_RUNNING, status }
end
end_request(KEYS, 'failed', ARGV[5], ARGV[6], ARGV[7])
return { R.OK }
