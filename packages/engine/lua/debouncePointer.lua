--[[
  Points a debounce key at a new request, unless another caller moved it first (compare and set).

  KEYS[1] the key's pointer (string: the request id)
  ARGV[1] the request id the caller saw ('' for none)   ARGV[2] the new request id   ARGV[3] TTL (ms)

  Returns { 0 } when set, { 3, current id } when another caller set it first.
]]
--- @keys 1
--- @replies OK STALE
local current = redis.call('GET', KEYS[1])
if (current or '') ~= ARGV[1] then
  return { R.STALE, current }
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return { R.OK }
