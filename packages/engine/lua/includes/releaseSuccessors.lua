--[[
  release_successors(C): counts down the open parents of the completing step's successors (C: the
  completion, see completeStep.lua; its spec C.S lists them, see readSpec.lua) and releases those that
  became ready (release_step). A join released here records the step that released it (field
  r|<successor>), so that a repeat of that completion returns it again.
]]
--- @replies none
--- @include releaseStep

local function release_successors(C)
  local A = C.A
  for i = C.S.succ_first, C.S.succ_last, 2 do
    local successor = A[i]
    local parents = A[i + 1]
    local is_ready = parents == '1' or parents == 'e'
    if not is_ready
      and redis.call('HINCRBY', C.K[1], F.joinOpen .. successor, 1) == tonumber(parents) then
      is_ready = true
      C.fields[#C.fields + 1] = F.releasedBy .. successor
      C.fields[#C.fields + 1] = C.path
    end
    if is_ready then
      release_step(C, successor, parents == 'e')
    end
  end
end
