--[[
  Closes a batch of a batched flow if it is still its key's open batch (its `maxWaitMs` passed), and
  answers the encoded array of its inputs, so that its request can be created: no input joins it any
  more (batchAdd.lua opens the key's next batch). Answering a closed batch again gives the same array:
  creating the request is idempotent by the batch's id, so the close job and the execute that filled
  the batch may both do it; the closed entry goes once the request exists.

  KEYS[1] the key's open batch (hash)   KEYS[2] its inputs (list)   KEYS[3] the closed batches (hash)
  ARGV[1] the batch's id   ARGV[2] time to live of the keys (ms)

  Returns { 0, encoded array }, or { -1 } when the batch is gone (its request was created, or its keys
  expired).
]]
--- @keys 3
--- @replies OK MISSING
--- @include closeBatch
local id = ARGV[1]
if redis.call('HGET', KEYS[1], B.id) == id then
  closeBatch(KEYS[1], KEYS[2], KEYS[3], id, ARGV[2])
end
local inputs = redis.call('HGET', KEYS[3], id)
if not inputs then
  return { R.MISSING }
end
return { R.OK, inputs }
