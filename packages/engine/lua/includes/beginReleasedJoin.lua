--[[
  begin_released_join(C, now): when the step's own part (C.O, see readOwn.lua) names a join that this
  first completion released (C.ready, see completeStep.lua) while the request runs, begins it exactly
  as beginNode would right after (begin_step), saving the caller a round trip.
  Returns begin_step's reply, or nil when no join is named or it was not released.
]]
--- @replies none
--- @include beginStep

local function begin_released_join(C, now)
  local O = C.O
  if O.join == '' then
    return nil
  end
  for _, successor in ipairs(C.ready) do
    if successor == O.join then
      return begin_step({ C.K[1], C.K[2], C.K[4] }, C.A, O.join, now, O.join_owner,
        O.join_fields_first, O.join_fields_last)
    end
  end
  return nil
end
