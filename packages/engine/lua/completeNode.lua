--[[
  Completes one step; see complete_step in includes/completeStep.lua (included below, with the
  functions it calls) and the arguments in includes/readSpec.lua and includes/beginPartAt.lua (their
  layout and encoder: store/scripts/completion-args.ts).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV[1] now (ms), then the spec, then the step's own part. A call whose arguments do not end where
          the own part does (another version's layout) is refused with an error, nothing written.
]]
--- @keys 5
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include completeStep
local spec, at = read_spec(ARGV, 2)
if at + own_length(ARGV, at) ~= #ARGV + 1 then
  return redis.error_reply('completeNode: ' .. #ARGV .. ' arguments do not fit the layout of this ' ..
    'version (store/scripts/completion-args.ts)')
end
return complete_step(KEYS, ARGV, spec, ARGV[1], at)
