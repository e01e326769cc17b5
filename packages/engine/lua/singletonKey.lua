--[[
  Keeps the live request of one singleton key of a flow (`register(..., { singleton })`): at most one
  request per key is live. The key lies in the flow's slot, apart from the requests' own keys (on a
  Redis Cluster each request has a slot of its own), so a new request takes the key first, is created,
  then confirms it still holds the key; a request that lost it meanwhile is stopped by its caller.

  KEYS[1] the singleton key (string: the id of the request that holds it)
  ARGV[1] command: claim | take | confirm | release   ARGV[2] request id
  ARGV[3] time to live (ms; claim, take, confirm)      ARGV[4] claim: the holder the caller saw ended, or ''

  claim    (mode skip) takes the key if it is free, held by this request, or held by ARGV[4]; else
           answers the holder.
  take     (mode cancel-previous) takes the key whoever holds it; answers the previous holder.
  confirm  renews the time to live if this request still holds the key; else answers the holder.
  release  deletes the key if this request holds it (its end); a newer holder keeps it.

  Returns { 0, previous holder or '' } done, { 3, holder } another request holds the key.
]]
--- @keys 1
--- @replies OK STALE
local command, id = ARGV[1], ARGV[2]
local holder = redis.call('GET', KEYS[1]) or ''
if command == 'claim' then
  if holder ~= '' and holder ~= id and holder ~= ARGV[4] then
    return { R.STALE, holder }
  end
  redis.call('SET', KEYS[1], id, 'PX', ARGV[3])
  return { R.OK, holder }
end
if command == 'take' then
  redis.call('SET', KEYS[1], id, 'PX', ARGV[3])
  return { R.OK, holder }
end
if command == 'confirm' then
  if holder ~= id then
    return { R.STALE, holder }
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  return { R.OK, holder }
end
if command == 'release' then
  if holder == id then
    redis.call('DEL', KEYS[1])
  end
  return { R.OK, holder }
end
return redis.error_reply('unknown command ' .. tostring(command))
