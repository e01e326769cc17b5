--[[
  release_all(pending, steps, generation): moves `steps` into the resuming steps `pending` under
  `generation` (KEYS[1] state hash, KEYS[4] held set of the including script, which the steps leave);
  older jobs of theirs no longer start (field w| becomes 'r<generation>', see beginStep.lua). Returns
  every resuming step and its generation (store_resuming).
]]
--- @replies none
--- @include storeResuming
--- @include ownerToken

local function release_all(pending, steps, generation)
  for _, step in ipairs(steps) do
    pending[step] = generation
    redis.call('HSET', KEYS[1], F.owner .. step, reset_owner(generation))
  end
  redis.call('DEL', KEYS[4])
  return store_resuming(KEYS[1], pending)
end
