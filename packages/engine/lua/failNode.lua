--[[
  Records a failed attempt of a step. A final failure (no attempts left, or not retryable) fails the
  request: its error names the node, the attempts and the message; its keys get the failed retention TTL
  and the failure is published. Otherwise the step waits for its retry.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  ARGV[1] step path    ARGV[2] now (ms)    ARGV[3] error (JSON)   ARGV[4] '1' when final, else '0'
  ARGV[5] retention of a failed request (ms)   ARGV[6] events channel   ARGV[7] event message
  ARGV[8] the attempt's owner token (see beginNode.lua)
  ARGV[9..] pairs of extra state fields (start time and attempt of a step begun without Redis)

  Returns
    { 0 }           recorded; the request failed when final
    { 1 }           the step had completed (a late duplicate attempt); nothing changed
    { 2, status }   the request is not running; only the step's error was recorded
    { 3, owner }    stale: another attempt owns the step; nothing changed
    { -1 }          no such request
]]
--- @keys 4
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
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

if ARGV[4] ~= '1' then
  redis.call('HSET', KEYS[1], F.status .. path, 'retrying', F.error .. path, ARGV[3], F.owner .. path, token,
    unpack(ARGV, 9))
  redis.call('PUBLISH', KEYS[1] .. ':live', path .. ' retrying')
  -- A request whose root began without beginNode (its input handed over) is running from then on.
  if status == 'pending' then
    redis.call('HSET', KEYS[1], REQ.status, 'running', REQ.startedAt, now)
  end
  return { R.OK }
end

redis.call('HSET', KEYS[1], F.status .. path, 'failed', F.finishedAt .. path, now, F.error .. path, ARGV[3],
  F.owner .. path, token, unpack(ARGV, 9))
redis.call('PUBLISH', KEYS[1] .. ':live', path .. ' failed')
if status ~= 'pending' and status ~= 'running' and status ~= 'paused' then
  return { R.NOT_RUNNING, status }
end
redis.call('HSET', KEYS[1], REQ.status, 'failed', REQ.finishedAt, now, REQ.error, ARGV[3])
for i = 1, 4 do
  redis.call('PEXPIRE', KEYS[i], ARGV[5])
end
redis.call('PUBLISH', ARGV[6], ARGV[7] .. ' failed')
return { R.OK }
