--[[
  implied_begin(fields, path, started_at): back-fills the begin of a step that started without
  beginNode (an implied begin: its input handed over; the rule is in format/implied-begin.ts), when the
  step shows running (markRunning.lua) or fails (failNode.lua). Appends to `fields` (the field/value
  list the caller writes with its own HSET) the step's start `started_at` and its attempt (1: an implied
  begin is always the first). `started_at` is '' for a step begun through beginNode, which wrote both:
  nothing is appended. The caller starts a pending request itself (start_request). Returns `fields`.

  A completion back-fills no field of its own: its start goes into the completed step's record
  (completeStep.lua, stepRecord.lua), and a completed step without an attempt count ran once.

  Until one of these writes the step has neither status running, start, attempt nor owner (w|<path>):
  fence_completion accepts any attempt's completion, and a later delivery's beginNode takes it over.
]]
--- @replies none

local function implied_begin(fields, path, started_at)
  if started_at == '' then
    return fields
  end
  fields[#fields + 1] = F.startedAt .. path
  fields[#fields + 1] = started_at
  fields[#fields + 1] = F.attempts .. path
  fields[#fields + 1] = 1
  return fields
end
