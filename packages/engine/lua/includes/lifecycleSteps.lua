--[[
  The steps a lifecycle command finds and releases (included by controlRequest.lua, whose KEYS they
  use: KEYS[1] state hash, KEYS[4] held set).

  steps_with(states): the steps in one of `states` (a set of step statuses).
  take_resuming(): the steps of an unconfirmed resume or rerun, with their generations.
  release_all(pending, steps, generation): moves `steps` into the resuming steps under `generation`.
]]
--- @replies none
--- @include resumingSteps

-- Steps in one of `states`; a start step's entries without a status of their own (field qe|, see
-- completeStep.lua) are queued.
local function steps_with(states)
  local found = {}
  local all = redis.call('HGETALL', KEYS[1])
  local fields = {}
  for i = 1, #all, 2 do
    fields[all[i]] = all[i + 1]
  end
  for i = 1, #all, 2 do
    local field = all[i]
    if string.sub(field, 1, #F.status) == F.status and states[all[i + 1]] then
      found[#found + 1] = string.sub(field, #F.status + 1)
    elseif states['queued'] and string.sub(field, 1, #F.entries) == F.entries then
      for _, entry in ipairs(cjson.decode(all[i + 1])) do
        if not fields[F.status .. entry] then
          found[#found + 1] = entry
        end
      end
    end
  end
  return found
end

-- Steps being enqueued by a resume or rerun (field resuming: JSON { [step]: generation }) until the
-- caller confirms them (clearResuming.lua); a resume of a running request enqueues them again, with the
-- same generation, so that a resume or rerun interrupted by a crash, or raced by a second resume, never
-- loses a step nor enqueues it under two job ids.
local function take_resuming()
  local stored = redis.call('HGET', KEYS[1], REQ.resuming)
  return stored and cjson.decode(stored) or {}
end

-- Moves `steps` into the resuming field under `generation`; older jobs of theirs no longer start
-- (field w| becomes 'r<generation>', see beginNode.lua). Returns every resuming step and its generation.
local function release_all(pending, steps, generation)
  for _, step in ipairs(steps) do
    pending[step] = generation
    redis.call('HSET', KEYS[1], F.owner .. step, 'r' .. generation)
  end
  redis.call('DEL', KEYS[4])
  return store_resuming(KEYS[1], pending)
end
