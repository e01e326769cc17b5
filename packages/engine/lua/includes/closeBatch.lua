--[[
  closeBatch(open, items, closed, id, ttl): closes a key's open batch (see batchAdd.lua): moves its
  inputs to the closed batches as one encoded array (`[a,b,c]`) under its id, then deletes the open
  batch and its list, so that the key's next input opens a new one.
]]
--- @replies none

local function closeBatch(open, items, closed, id, ttl)
  local inputs = redis.call('LRANGE', items, 0, -1)
  redis.call('HSET', closed, id, '[' .. table.concat(inputs, ',') .. ']')
  redis.call('PEXPIRE', closed, ttl)
  redis.call('DEL', open, items)
end
