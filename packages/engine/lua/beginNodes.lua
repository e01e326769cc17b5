--[[
  Starts attempts of several steps, of one request or of several, in one call, each exactly as
  beginNode would; see begin_step in beginStep.lua (included below). The begins a worker issues in one
  tick (the joins released by one batch of completions) come as one call (on a Redis Cluster, where
  each request's keys lie in a slot of their own, one per call).

  KEYS    per step: its request's state hash, data hash and held set
  ARGV[1] now (ms), then per step, in the order of KEYS: its path, its owner token, m, and the m data
          fields holding its input

  Returns the replies of begin_step, step after step.
]]
--- @keys dynamic
--- @replies none
--- @include beginStep
local replies = {}
local at = 2
for s = 1, #KEYS / 3 do
  local keys = { KEYS[3 * s - 2], KEYS[3 * s - 1], KEYS[3 * s] }
  local count = tonumber(ARGV[at + 2])
  replies[s] = begin_step(keys, ARGV, ARGV[at], ARGV[1], ARGV[at + 1], at + 3, at + 2 + count)
  at = at + 3 + count
end
return replies
