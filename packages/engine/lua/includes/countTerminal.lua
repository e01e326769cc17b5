--[[
  count_terminal(C, status, now): counts the completion of a top-level terminal (C: the completion, see
  completeStep.lua; C.S.terminals: the flow's terminal count, 0 for a step that is none) whatever the
  request's `status`. Returns true when it completes the request: the last terminal, while the request
  runs or is paused; C.fields then ends the request (status completed, finishedAt), and the caller ends
  it (end_request). When the last one completes while the request is stopped or failed, field allDone
  lets rerun complete it, having nothing left to run.
]]
--- @replies none

local function count_terminal(C, status, now)
  local terminals = C.S.terminals
  if terminals == 0 then
    return false
  end
  local done = 1
  if terminals > 1 then
    done = redis.call('HINCRBY', C.K[1], REQ.terminalsDone, 1)
  end
  if done ~= terminals then
    return false
  end
  local fields = C.fields
  if C.running or status == 'paused' then
    fields[#fields + 1] = REQ.status
    fields[#fields + 1] = 'completed'
    fields[#fields + 1] = REQ.finishedAt
    fields[#fields + 1] = now
    return true
  end
  fields[#fields + 1] = REQ.allDone
  fields[#fields + 1] = now
  return false
end
