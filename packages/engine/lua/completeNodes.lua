--[[
  Completes several steps of one request in one call, in order, each exactly as completeNode would;
  see complete_step in completeStep.lua (prepended to this script when loaded).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  ARGV[1] n, then n times: c, then the c arguments of complete_step for one step

  Returns the n replies of complete_step, in order.
]]
local replies = {}
local at = 2
for i = 1, tonumber(ARGV[1]) do
  local count = tonumber(ARGV[at])
  replies[i] = complete_step(KEYS, { unpack(ARGV, at + 1, at + count) })
  at = at + 1 + count
end
return replies
