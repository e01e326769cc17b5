--[[
  announce_step(state, path, status): tells those listening to a request (live views; see
  format/announcements.ts) that one of its steps has a new status: '<path> <status>' on the request's
  channel.
]]
--- @replies none
--- @include announce

local function announce_step(state, path, status)
  announce(state .. ':live', path .. ' ' .. status)
end
