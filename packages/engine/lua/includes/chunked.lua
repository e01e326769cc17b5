--[[
  chunked(command, key, list, first, last): runs `command key list[first..last]` in chunks of 1,000
  arguments: unpack() has a stack limit, and a for-each may write thousands of fields at once.
]]
--- @replies none

local function chunked(command, key, list, first, last)
  for i = first, last, 1000 do
    redis.call(command, key, unpack(list, i, math.min(i + 999, last)))
  end
end
