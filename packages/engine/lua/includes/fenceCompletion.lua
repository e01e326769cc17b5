--[[
  fence_completion(state, path, token): reads what a completion of step `path` by the attempt with
  owner token `token` is checked against. Returns the reply when it may not go on (else nil), then
  { request status, step status, step owner }.

  Fencing: the attempt must own the step (field w|<path>, written by beginNode, markRunning and the
  first completion; absent while only an implied begin ran, see impliedBegin.lua; 'r<generation>' after rerun
  reset it). A stale attempt writes nothing and releases nothing. A repeat by a job whose beginNode
  found the step completed (token '') may only re-derive the release of a completed step.
]]
--- @replies STALE MISSING

local function fence_completion(state, path, token)
  local st = redis.call('HMGET', state, REQ.status, F.status .. path, F.owner .. path)
  if not st[1] then
    return { R.MISSING }, st
  end
  if token == '' then
    if st[2] ~= 'completed' then
      return { R.STALE, st[3] or '' }, st
    end
  elseif st[3] and st[3] ~= token then
    return { R.STALE, st[3] }, st
  end
  return nil, st
end
