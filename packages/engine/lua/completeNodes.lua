--[[
  Completes several steps, of one request or of several, in one call, each exactly as completeNode
  would; see complete_step in includes/completeStep.lua (included below, with the functions it calls)
  and the arguments in includes/readSpec.lua and includes/beginPartAt.lua (their layout and encoder:
  store/scripts/completion-args.ts). The completions a worker issues in one tick come as one call (on
  a Redis Cluster, where each request's keys lie in a slot of their own, one request per call).

  KEYS    per request: its state hash, data hash, store hash, held set and stream
  ARGV[1] now (ms)   ARGV[2] r, the number of requests; then per request, in the order of KEYS: g, then
          g groups of steps sharing a spec: the spec, then k, then the k steps' own parts, in order.
          A call whose arguments do not end where the last part does fails with an error: versions
          never share a script, so that is an encoder bug, which tests catch. It is checked at the end,
          when the parts have been walked anyway: a walk before writing cost about 0.35 µs of Redis
          CPU per step, 3-4% of a call; what the misread parts wrote stays.

  Returns the replies of complete_step, request after request, group after group, in order.
]]
--- @keys dynamic
--- @replies none
--- @include completeStep
local replies = {}
local requests = tonumber(ARGV[2])
local at = 3
for r = 1, requests do
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
if at ~= #ARGV + 1 or #KEYS ~= 5 * requests then
  return redis.error_reply('completeNodes: ' .. #KEYS .. ' keys and ' .. #ARGV .. ' arguments ' ..
    'do not fit the layout of this version (store/scripts/completion-args.ts)')
end
return replies
