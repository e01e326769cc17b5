--[[
  Completes several steps, of one request or of several, in one call, each exactly as completeNode
  would; see complete_step in includes/completeStep.lua (included below, with the functions it calls)
  and the arguments in includes/readSpec.lua and includes/beginPartAt.lua. The completions a worker
  issues in one tick come as one call (on a Redis Cluster, where each request's keys lie in a slot of
  their own, one request per call).

  KEYS    per request: its state hash, data hash, store hash, held set and stream
  ARGV[1] now (ms)   ARGV[2] r, the number of requests; then per request, in the order of KEYS: g, then
          g groups of steps sharing a spec: the spec, then k, then the k steps' own parts (path, output,
          start time, owner, m, m pairs), in order

  Returns the replies of complete_step, request after request, group after group, in order.
]]
--- @keys dynamic
--- @replies none
--- @include completeStep
local replies = {}
local at = 3
for r = 1, tonumber(ARGV[2]) do
  local keys = { KEYS[5 * r - 4], KEYS[5 * r - 3], KEYS[5 * r - 2], KEYS[5 * r - 1], KEYS[5 * r] }
  local groups = tonumber(ARGV[at])
  at = at + 1
  for _ = 1, groups do
    local spec
    spec, at = read_spec(ARGV, at)
    local count = tonumber(ARGV[at])
    at = at + 1
    for _ = 1, count do
      replies[#replies + 1] = complete_step(keys, ARGV, spec, ARGV[1], at)
      at = at + own_length(ARGV, at)
    end
  end
end
return replies
