--[[
  start_request(fields, status, at): a request still pending runs from its first step on (its roots
  may begin implicitly, see impliedBegin.lua): appends the request's status 'running' and
  start time `at` to `fields`, the field/value list the caller writes with its own HSET, when `status`
  (the request's) is 'pending'. Returns `fields`.
]]
--- @replies none

local function start_request(fields, status, at)
  if status == 'pending' then
    fields[#fields + 1] = REQ.status
    fields[#fields + 1] = 'running'
    fields[#fields + 1] = REQ.startedAt
    fields[#fields + 1] = at
  end
  return fields
end
