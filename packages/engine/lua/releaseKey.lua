--[[
  Gives back a request's slot of a concurrency key (or its place in the queue, if it never ran) and
  admits the earliest waiting requests into the free slots. Releasing twice changes nothing. The sets
  vanish when empty (Redis drops empty zsets), and so does the limit then; while requests hold or wait
  for slots the limit's time to live is renewed. A limit that expired all the same (no admission nor
  release for that long) counts as 1 until the next admission sets it again.

  KEYS[1] running set   KEYS[2] waiting set   KEYS[3] the key's limit (see admitKey.lua)
  ARGV[1] request id    ARGV[2] now (ms)   ARGV[3] the limit's time to live (ms)

  Returns { 0, admitted request id... }: the caller lets their waiting roots run at once.
]]
--- @keys 3
--- @replies OK
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
local limit = tonumber(redis.call('GET', KEYS[3]) or '1')
local reply = {}
while redis.call('ZCARD', KEYS[1]) < limit do
  local first = redis.call('ZRANGE', KEYS[2], 0, 0)[1]
  if not first then
    break
  end
  redis.call('ZREM', KEYS[2], first)
  redis.call('ZADD', KEYS[1], ARGV[2], first)
  reply[#reply + 1] = first
end
if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) == 0 then
  redis.call('DEL', KEYS[3])
else
  redis.call('PEXPIRE', KEYS[3], ARGV[3])
end
table.insert(reply, 1, R.OK)
return reply
