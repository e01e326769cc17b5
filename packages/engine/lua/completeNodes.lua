--[[
  Completes several steps, of one request or of several, in one call, each exactly as completeNode
  would; see complete_step in includes/completeStep.lua (included below, with the functions it calls)
  and the arguments in includes/readSpec.lua and includes/beginPartAt.lua (their layout and encoder:
  store/scripts/completion-args.ts). The completions a worker issues in one tick come as one call (on
  a Redis Cluster, where each request's keys lie in a slot of their own, one request per call).

  KEYS    per request: its state hash, data hash, store hash, held set and stream
  ARGV[1] now (ms)   ARGV[2] r, the number of requests; then per request, in the order of KEYS: g, then
          g groups of steps sharing a spec: the spec, then k, then the k steps' own parts, in order.
          The parts are all found before anything is written: a call whose arguments do not end where
          the last part does (another version's layout) is refused with an error, nothing written.

  Returns the replies of complete_step, request after request, group after group, in order.
]]
--- @keys dynamic
--- @replies none
--- @include completeStep
local keys_of, specs, starts = {}, {}, {}
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
      local n = #starts + 1
      keys_of[n], specs[n], starts[n] = keys, spec, at
      at = at + own_length(ARGV, at)
    end
  end
end
if at ~= #ARGV + 1 or #KEYS ~= 5 * requests then
  return redis.error_reply('completeNodes: ' .. #KEYS .. ' keys and ' .. #ARGV .. ' arguments ' ..
    'do not fit the layout of this version (store/scripts/completion-args.ts)')
end
local replies = {}
for i = 1, #starts do
  replies[i] = complete_step(keys_of[i], ARGV, specs[i], ARGV[1], starts[i])
end
return replies
