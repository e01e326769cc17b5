--[[
  A node's result cache with single-flight (node option `cache`): one cached output per key, and one
  lease per key that the attempt computing it holds, so that concurrent attempts with one key run the
  handler once. Both keys lie in the flow's slot and both expire.

  KEYS[1] the cached output (string: the encoded output, expires after the cache's ttlMs)
  KEYS[2] the lease (string: the owner of the attempt that computes the output)
  ARGV[1] command: take | renew | store | release   ARGV[2] owner
  ARGV[3] time to live (ms): of the lease (take, renew), of the output (store)   ARGV[4] store: the output

  take     answers the cached output if there is one; else takes the lease if it is free (or already
           this owner's); else answers its holder.
  renew    extends the lease if this owner still holds it.
  store    stores the output, and gives the lease up if this owner holds it (one step: a waiting
           attempt finds either the lease or the output, never neither).
  release  gives the lease up if this owner holds it (its attempt failed).

  Returns { 1, output } a cached output, { 0 } the lease is this owner's (done), { 3, holder } another
  owner holds the lease (or none does: renew of a lost lease answers { 3, '' }).
]]
--- @keys 2
--- @replies OK COMPLETED STALE
local command, owner = ARGV[1], ARGV[2]
if command == 'store' then
  redis.call('SET', KEYS[1], ARGV[4], 'PX', ARGV[3])
  if redis.call('GET', KEYS[2]) == owner then
    redis.call('DEL', KEYS[2])
  end
  return { R.OK }
end
if command == 'take' then
  local output = redis.call('GET', KEYS[1])
  if output then
    return { R.COMPLETED, output }
  end
end
local holder = redis.call('GET', KEYS[2]) or ''
if command == 'take' then
  if holder ~= '' and holder ~= owner then
    return { R.STALE, holder }
  end
  redis.call('SET', KEYS[2], owner, 'PX', ARGV[3])
  return { R.OK }
end
if holder ~= owner then
  return { R.STALE, holder }
end
if command == 'renew' then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
else
  redis.call('DEL', KEYS[2])
end
return { R.OK }
