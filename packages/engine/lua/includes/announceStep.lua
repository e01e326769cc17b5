--[[
  announce_step(state, path, status): tells live views of a request (see Keys.request().live, the
  channel '<state key>:live') that one of its steps has a new status: '<path> <status>'.
]]
--- @replies none

local function announce_step(state, path, status)
  redis.call('PUBLISH', state .. ':live', path .. ' ' .. status)
end
