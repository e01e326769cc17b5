--[[
  end_request(K, status, retention, channel, message, output): the one place a request ends
  (completed, failed or stopped; the caller has written its status and finishedAt, with its own HSET):
  its keys get the retention TTL of that end and the end is announced (announce_request), with the
  result when the caller hands the encoded output of the flow's one terminal (output; nil: none).

  K[1] state hash   K[2] data hash   K[3] store hash   K[4] held set   K[5] stream of emitted chunks
  retention: ms the ended request is kept

  The store hash, the held set and the stream exist only when flagged (fields hasStore, hasHeld,
  streamBytes): an absent one costs no command. A completed request never runs again: its held set is deleted; a failed or stopped
  one keeps it, with the same TTL, for rerun.

  Returns the state hash's fields hasStore, hasHeld, parent, concurrencyKey, version, streamBytes,
  startBy, finishBy and singleton (false when absent), so that the caller's end-of-request work reads
  nothing more.
]]
--- @replies none
--- @include announceRequest

-- Results announced with a completion at most (bytes); larger ones are read by the waiter.
local ANNOUNCED_RESULT_BYTES = 16384

local function end_request(K, status, retention, channel, message, output)
  local flags = redis.call('HMGET', K[1], REQ.hasStore, REQ.hasHeld, REQ.parent, REQ.concurrencyKey,
    REQ.version, REQ.streamBytes, REQ.startBy, REQ.finishBy, REQ.singleton)
  redis.call('PEXPIRE', K[1], retention)
  redis.call('PEXPIRE', K[2], retention)
  if flags[1] then
    redis.call('PEXPIRE', K[3], retention)
  end
  if flags[6] then
    redis.call('PEXPIRE', K[5], retention)
  end
  if flags[2] then
    if status == 'completed' then
      redis.call('DEL', K[4])
    else
      redis.call('PEXPIRE', K[4], retention)
    end
  end
  local result = nil
  if output and flags[5] and #output <= ANNOUNCED_RESULT_BYTES then
    result = flags[5] .. ' ' .. output
  end
  announce_request(K[1], channel, message, status, result)
  return flags
end
