--[[
  announce_step(state, path, status): tells those watching a request (live views; see
  format/announcements.ts) that one of its steps has a new status: '<path> <status>' on the request's
  steps channel ('<state key>:steps'), which waiters and workers do not hear.
]]
--- @replies none
--- @include announce

local function announce_step(state, path, status)
  announce(state .. ':steps', path .. ' ' .. status)
end
