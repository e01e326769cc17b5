--[[
  store_resuming(state, pending): keeps the steps a resume, rerun or migration releases until their
  enqueue is confirmed (clearResuming.lua): stores `pending` ({ [step]: generation }) in the state hash's
  field resuming when it holds any, and returns its steps and their generations as two lists, in the
  same order, for the caller to enqueue.
]]
--- @replies none

local function store_resuming(state, pending)
  local steps, generations = {}, {}
  for step, g in pairs(pending) do
    steps[#steps + 1] = step
    generations[#generations + 1] = g
  end
  if #steps > 0 then
    redis.call('HSET', state, REQ.resuming, cjson.encode(pending))
  end
  return steps, generations
end
