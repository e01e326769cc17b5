--[[
  Appends lines to what one attempt of one node logged (ctx.log), up to a size cap; the log of a
  request expires like the request.

  KEYS[1] the request's logs hash: field '<path>|<attempt>' -> JSON lines
  ARGV[1] field   ARGV[2] lines to append (JSON lines, each ending in a newline)
  ARGV[3] cap in bytes per attempt   ARGV[4] expiry (ms)

  Past the cap the field ends with one line '{"truncated":true}' and takes no more.
  Returns the field's length after the append.
]]
--- @keys 1
--- @replies none
local current = redis.call('HGET', KEYS[1], ARGV[1]) or ''
local cap = tonumber(ARGV[3])
local marker = '{"truncated":true}\n'
if string.sub(current, -#marker) == marker then
  return #current
end
local text = current .. ARGV[2]
if #text > cap then
  -- Cut at the last whole line that fits, then mark the cut.
  local cut = string.sub(text, 1, cap)
  local last = 0
  local at = string.find(cut, '\n', 1, true)
  while at do
    last = at
    at = string.find(cut, '\n', at + 1, true)
  end
  text = string.sub(cut, 1, last) .. marker
end
redis.call('HSET', KEYS[1], ARGV[1], text)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return #text
