--[[
  steps_with(states): the steps of the request (state hash KEYS[1] of the including script) in one of
  `states` (a set of step statuses). A start step's entries without a status of their own (field
  qe|<step>, see readSpec.lua) are queued. Returns also every field of the state hash, with its value
  (a caller that deletes per-step fields deletes only those that exist).
]]
--- @replies none

local function steps_with(states)
  local found = {}
  local all = redis.call('HGETALL', KEYS[1])
  local fields, has_status = {}, {}
  for i = 1, #all, 2 do
    fields[all[i]] = all[i + 1]
    if string.sub(all[i], 1, #F.status) == F.status then
      has_status[string.sub(all[i], #F.status + 1)] = true
    end
  end
  for i = 1, #all, 2 do
    local field = all[i]
    if string.sub(field, 1, #F.status) == F.status and states[all[i + 1]] then
      found[#found + 1] = string.sub(field, #F.status + 1)
    elseif states['queued'] and string.sub(field, 1, #F.entries) == F.entries then
      -- A for-each's entries may be many: no field name is built for them.
      for _, entry in ipairs(cjson.decode(all[i + 1])) do
        if not has_status[entry] then
          found[#found + 1] = entry
        end
      end
    end
  end
  return found, fields
end
