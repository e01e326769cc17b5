--[[
  open_next_item(C): the item gate of a for-each limited by maxConcurrency (C: the completion of one
  of its body's terminals, see completeStep.lua; the gate values in its spec, see readSpec.lua): when
  the item's last terminal completes (field g|<item prefix> counts them), the next waiting item starts:
  its index from field q|<vertex> (items started) within qn|<vertex> (item count), its prefix from
  x|<vertex>|<index>; its roots are released (release_step) and the prefix is recorded in n|<step>,
  so that a repeat of the completion returns them again.
]]
--- @replies none
--- @include releaseStep

local function open_next_item(C)
  local A, K, gate = C.A, C.K, C.S.gate
  if redis.call('HINCRBY', K[1], F.gate .. A[gate + 1], 1) ~= tonumber(A[gate + 2]) then
    return
  end
  local vertex = A[gate]
  local next_item = redis.call('HINCRBY', K[1], F.itemsStarted .. vertex, 1)
  if next_item <= tonumber(redis.call('HGET', K[1], F.itemCount .. vertex) or '0') then
    local prefix = redis.call('HGET', K[1], F.item .. vertex .. '|' .. (next_item - 1))
    C.fields[#C.fields + 1] = F.nextItem .. C.path
    C.fields[#C.fields + 1] = prefix
    for i = gate + 4, gate + 3 + tonumber(A[gate + 3]) do
      release_step(C, prefix .. A[i], false)
    end
  end
end
