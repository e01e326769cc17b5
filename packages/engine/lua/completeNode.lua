--[[
  Completes one step; see complete_step in completeStep.lua (prepended to this script when loaded).

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  ARGV    the arguments of complete_step
]]
return complete_step(KEYS, ARGV)
