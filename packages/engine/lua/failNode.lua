--[[
  Records a failed attempt of a step. A final failure (no attempts left, or not retryable) fails the
  request: its error names the node, the attempts and the message, and it ends (end_request: its keys
  get the failed retention TTL and the failure is published). Otherwise the step waits for its retry.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV    laid out and encoded by store/scripts/fail-args.ts, each read by name at its index from
          there (ARGV[FN.owner]): step path; now (ms); error (JSON); '1' when final, else '0';
          retention of a failed request (ms); events channel; event message; the attempt's owner
          token (see beginNode.lua); the attempt's start when it began implicitly (see
          impliedBegin.lua), else ''

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
if #ARGV ~= FN.size then
  return redis.error_reply('failNode: ' .. #ARGV .. ' arguments where store/scripts/fail-args.ts ' ..
    'lays out ' .. FN.size)
end
local path = ARGV[FN.path]
local now = ARGV[FN.now]
local token = ARGV[FN.owner]
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

local final = ARGV[FN.final] == '1'
local fields = { F.status .. path, final and 'failed' or 'retrying', F.error .. path, ARGV[FN.error],
  F.owner .. path, token }
if final then
  fields[#fields + 1] = F.finishedAt .. path
  fields[#fields + 1] = now
end
implied_begin(fields, path, ARGV[FN.impliedStart])
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
  fields[#fields + 1] = ARGV[FN.error]
end
redis.call('HSET', KEYS[1], unpack(fields))
announce_step(KEYS[1], path, 'failed')
if not live then
  return { R.NOT_RUNNING, status }
end
end_request(KEYS, 'failed', ARGV[FN.retention], ARGV[FN.channel], ARGV[FN.message])
return { R.OK }
