--[[
  own_length(A, at): the length of a step's own part starting at A[at] (see beginPartAt.lua), so that
  completeNodes finds the next step's.
]]
--- @replies none
--- @include beginPartAt

local function own_length(A, at)
  local begin_at = begin_part_at(A, at)
  if A[begin_at] == '' then
    return begin_at + 1 - at
  end
  return begin_at + 3 + tonumber(A[begin_at + 2]) - at
end
