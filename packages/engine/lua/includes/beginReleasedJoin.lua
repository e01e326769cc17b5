--[[
  begin_released_join(C, now, at): when the step's own part (starting at A[at], see beginPartAt.lua)
  names a join that this first completion released (C.ready, see completeStep.lua) while the request
  runs, begins it exactly as beginNode would right after (begin_step), saving the caller a round trip.
  Returns begin_step's reply, or nil when no join is named or it was not released.
]]
--- @replies none
--- @include beginStep
--- @include beginPartAt

local function begin_released_join(C, now, at)
  local A = C.A
  local begin_at = begin_part_at(A, at)
  local join = A[begin_at]
  if join == '' then
    return nil
  end
  for _, successor in ipairs(C.ready) do
    if successor == join then
      local fields_at = begin_at + 3
      return begin_step({ C.K[1], C.K[2], C.K[4] }, A, join, now, A[begin_at + 1], fields_at,
        fields_at + tonumber(A[begin_at + 2]) - 1)
    end
  end
  return nil
end
