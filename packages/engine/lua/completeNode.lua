--[[
  Completes one step; see complete_step and read_spec in completeStep.lua (included below, after
  beginStep.lua, whose begin_step it calls).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  ARGV[1] now (ms), then the spec, then the step's own part
]]
--- @keys 4
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include beginStep
--- @include completeStep
local spec, at = read_spec(ARGV, 2)
return complete_step(KEYS, ARGV, spec, ARGV[1], at)
