--[[
  release_step(C, successor, enqueued_by_caller): a step released by a first completion (C: the
  completion, see completeStep.lua): added to C.ready, the steps the caller enqueues, unless the caller
  enqueued it already; marked queued (in C.fields, written with the completion) while the request runs.
]]
--- @replies none

local function release_step(C, successor, enqueued_by_caller)
  if not enqueued_by_caller then
    C.ready[#C.ready + 1] = successor
  end
  if C.running then
    C.fields[#C.fields + 1] = F.status .. successor
    C.fields[#C.fields + 1] = 'queued'
  end
end
