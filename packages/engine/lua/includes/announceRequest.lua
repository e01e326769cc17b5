--[[
  announce_request(channel, message, status): publishes a request's new status on the events channel,
  as '<flow>/<requestId> <status>' (message: '<flow>/<requestId>').
]]
--- @replies none

local function announce_request(channel, message, status)
  redis.call('PUBLISH', channel, message .. ' ' .. status)
end
