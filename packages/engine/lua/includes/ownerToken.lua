--[[
  The owner token of a step (field F.owner, in its record F.done once it completed, see stepRecord.lua;
  format/layout.ts makes the others): '<generation>.<delivery>'
  of an attempt (a wake job's with 'w' or 't' after it), '<job token>@<job path>' of a step a job ran
  after its own (chainOwner), 'r<generation>' after a rerun or a migration reset the step.

  owner_generation(owner): the generation a token belongs to (0 for none).
  is_wake(owner): whether the token is a wake job's (its attempt goes on with the one that parked).
  reset_owner(generation): the token of a step reset for `generation`: no attempt owns it, and jobs of
  older generations no longer start it.
]]
--- @replies none

local function owner_generation(owner)
  return tonumber(string.match(owner or '', '^r?(%d+)')) or 0
end

local function reset_owner(generation)
  return 'r' .. generation
end

local function is_wake(owner)
  return string.match(owner or '', '^%d+%.%d+[wt]$') ~= nil
end
