--[[
  Completes several steps of one request in one call, each exactly as completeNode would; see
  complete_step and read_spec in completeStep.lua (included below).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  ARGV[1] now (ms)   ARGV[2] g, then g groups of steps sharing a spec: the spec, then k, then the k
  steps' own parts (path, output, start time, owner, m, m pairs), in order

  Returns the replies of complete_step, group after group, in order.
]]
--- @keys 4
--- @replies none
--- @include completeStep
local replies = {}
local at = 3
for _ = 1, tonumber(ARGV[2]) do
  local spec
  spec, at = read_spec(ARGV, at)
  local count = tonumber(ARGV[at])
  at = at + 1
  for _ = 1, count do
    replies[#replies + 1] = complete_step(KEYS, ARGV, spec, ARGV[1], at)
    at = at + 5 + 2 * tonumber(ARGV[at + 4])
  end
end
return replies
