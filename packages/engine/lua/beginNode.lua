--[[
  Starts an attempt of one step; see begin_step in beginStep.lua (included below) for the guard, the
  fencing and the replies.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] held set
  ARGV[1] step path    ARGV[2] now (ms)   ARGV[3] owner token   ARGV[4..] data fields holding the step's input
]]
--- @keys 3
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include beginStep
return begin_step(KEYS, ARGV, ARGV[1], ARGV[2], ARGV[3], 4, #ARGV)
