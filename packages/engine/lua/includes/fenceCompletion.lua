--[[
  fence_completion(state, path, token): reads what a completion of step `path` by the attempt with
  owner token `token` is checked against. Returns the reply when it may not go on (else nil), then
  { request status, step status, step owner, step start }.

  Fencing: the attempt must own the step (field w|<path>, written by beginNode and markRunning; absent
  while only an implied begin ran, see impliedBegin.lua; 'r<generation>' after rerun reset it; once the
  step completed, the owner in its record d|<path>, see stepRecord.lua). A stale attempt writes nothing
  and releases nothing. A repeat by a job whose beginNode found the step completed (token '') may only
  re-derive the release of a completed step.
]]
--- @replies STALE MISSING
--- @include stepRecord

local function fence_completion(state, path, token)
  local st = redis.call('HMGET', state, REQ.status, F.status .. path, F.owner .. path,
    F.startedAt .. path, F.done .. path)
  if not st[1] then
    return { R.MISSING }, st
  end
  local owner = step_owner(st[2], st[3], st[5])
  if token == '' then
    if st[2] ~= 'completed' then
      return { R.STALE, owner or '' }, st
    end
  elseif owner and owner ~= token then
    return { R.STALE, owner }, st
  end
  return nil, { st[1], st[2], owner, st[4] }
end
