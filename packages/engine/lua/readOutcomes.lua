--[[
  Reads how requests stand, for callers waiting for their results: the status and definition version
  of each and, once it completed, the outputs of its terminal nodes. The waits a client begins in one
  tick come as one call (on a Redis Cluster, one request per call).

  KEYS  per request: its state hash, then its data hash
  ARGV  the data-hash fields of the terminal outputs of the definition version the caller expects

  Returns, per request in order: { status, version, outputs... }, with false for a missing status or
  version (the request does not exist, or expired), and the outputs only when the status is completed
  (false for a missing one).
]]
--- @keys dynamic
--- @replies none
local replies = {}
for i = 1, #KEYS / 2 do
  local found = redis.call('HMGET', KEYS[2 * i - 1], REQ.status, REQ.version)
  local reply = { found[1], found[2] }
  if found[1] == 'completed' and #ARGV > 0 then
    local outputs = redis.call('HMGET', KEYS[2 * i], unpack(ARGV))
    for j = 1, #outputs do
      reply[j + 2] = outputs[j]
    end
  end
  replies[i] = reply
end
return replies
