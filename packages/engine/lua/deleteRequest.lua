--[[
  Deletes a finished request's keys (a bulk `delete`), refusing one that may still run: a pending,
  running or paused request must be stopped first. Its entry in the flow's request index lies in
  another slot and is removed by the caller after this (see maintenance/request-delete.ts).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks   KEYS[6] logs hash

  Returns
    { 0 }           deleted
    { -2, status }  the request is not completed, failed nor stopped; nothing deleted
    { -1 }          no such request (deleted or expired before)
]]
--- @keys 6
--- @replies OK INVALID_TRANSITION MISSING
local status = redis.call('HGET', KEYS[1], REQ.status)
if not status then
  redis.call('DEL', KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
  return { R.MISSING }
end
if status ~= 'completed' and status ~= 'failed' and status ~= 'stopped' then
  return { R.INVALID_TRANSITION, status }
end
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return { R.OK }
