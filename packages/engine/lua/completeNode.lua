--[[
  Completes one step; see complete_step in includes/completeStep.lua (included below, with the
  functions it calls) and the arguments in includes/readSpec.lua and includes/beginPartAt.lua (their
  layout and encoder: store/scripts/completion-args.ts, shared with completeNodes, which checks it).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV[1] now (ms), then the spec, then the step's own part
]]
--- @keys 5
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include completeStep
local spec, at = read_spec(ARGV, 2)
return complete_step(KEYS, ARGV, spec, ARGV[1], at)
