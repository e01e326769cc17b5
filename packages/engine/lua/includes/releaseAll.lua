--[[
  release_all(pending, steps, generation): moves `steps` into the resuming steps `pending` under
  `generation` (KEYS[1] state hash, KEYS[4] held set of the including script, which the steps leave);
  older jobs of theirs no longer start (field w| becomes 'r<generation>', see beginStep.lua). Returns
  every resuming step and its generation (store_resuming). Writes in calls of 1,000 arguments.
]]
--- @replies none
--- @include storeResuming
--- @include ownerToken
--- @include chunked

local function release_all(pending, steps, generation)
  local owners = {}
  local owner = reset_owner(generation)
  for _, step in ipairs(steps) do
    pending[step] = generation
    owners[#owners + 1] = F.owner .. step
    owners[#owners + 1] = owner
  end
  chunked('HSET', KEYS[1], owners, 1, #owners)
  redis.call('DEL', KEYS[4])
  return store_resuming(KEYS[1], pending)
end
