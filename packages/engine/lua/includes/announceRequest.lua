--[[
  announce_request(state, channel, message, status, result): publishes a request's new status (see
  format/announcements.ts) on its own channel, as '!<status>' (a completion that carries its result:
  '!completed <version> <encoded output>', result being '<version> <encoded output>'), for those who
  wait for, watch or run it; and on its flow's channel (channel), as '<requestId> <status>' (message:
  the request id), for those who watch the flow.
]]
--- @replies none
--- @include announce

local function announce_request(state, channel, message, status, result)
  announce(state .. ':live', result and ('!' .. status .. ' ' .. result) or ('!' .. status))
  redis.call('PUBLISH', channel, message .. ' ' .. status)
end
