--[[
  Moves a request to another version of its flow (see plan/migration-plan.ts, which works out the
  changes from the state it read), provided the state is still as read: its status, generation and
  every step status (fields s|) unchanged. Otherwise nothing is written and the caller reads again.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] held set
  ARGV[1] status read   ARGV[2] generation read, or ''   ARGV[3] JSON object of the s| fields read
  ARGV[4] the new version   ARGV[5] JSON of this migration ({ from, to, at })
  ARGV[6] JSON array of state fields to delete   ARGV[7] JSON array of data fields to delete
  ARGV[8] JSON array of [field, value] state fields to set
  ARGV[9] JSON array of steps to fence   ARGV[10] JSON array of steps to release

  The generation is bumped, and every fenced step gets the owner 'r<generation>', so that its jobs of
  earlier generations (which carry the old version) no longer start (see beginNode.lua) and attempts
  still finishing write nothing. A running request gets the released steps as a resume would (field
  resuming chunks, confirmed by clearResuming.lua once enqueued); a paused, failed or stopped one holds them for
  resume or rerun.

  Returns
    { 0, generation, steps, generations }  migrated; steps to enqueue now (running) with their generations
    { 0, generation, {}, {} }              migrated; the steps are held
    { 2, status }                          the state changed since it was read; nothing written
    { -1 }                                 no such request
]]
--- @keys 3
--- @replies OK NOT_RUNNING MISSING
--- @include takeResuming
--- @include storeResuming
--- @include chunked
--- @include holdSet
--- @include ownerToken
local status = redis.call('HGET', KEYS[1], REQ.status)
if not status then
  return { R.MISSING }
end
if status ~= ARGV[1] or (redis.call('HGET', KEYS[1], REQ.generation) or '') ~= ARGV[2] then
  return { R.NOT_RUNNING, status }
end
local expected = cjson.decode(ARGV[3])
local all = redis.call('HGETALL', KEYS[1])
local seen = 0
for i = 1, #all, 2 do
  if string.sub(all[i], 1, #F.status) == F.status then
    if expected[all[i]] ~= all[i + 1] then
      return { R.NOT_RUNNING, status }
    end
    seen = seen + 1
  end
end
local count = 0
for _ in pairs(expected) do
  count = count + 1
end
if count ~= seen then
  return { R.NOT_RUNNING, status }
end

local state_fields, data_fields = cjson.decode(ARGV[6]), cjson.decode(ARGV[7])
chunked('HDEL', KEYS[1], state_fields, 1, #state_fields)
chunked('HDEL', KEYS[2], data_fields, 1, #data_fields)
for _, pair in ipairs(cjson.decode(ARGV[8])) do
  redis.call('HSET', KEYS[1], pair[1], pair[2])
end
local generation = redis.call('HINCRBY', KEYS[1], REQ.generation, 1)
for _, step in ipairs(cjson.decode(ARGV[9])) do
  redis.call('HSET', KEYS[1], F.owner .. step, reset_owner(generation))
end
local migrations = cjson.decode(redis.call('HGET', KEYS[1], REQ.migrations) or '[]')
migrations[#migrations + 1] = cjson.decode(ARGV[5])
redis.call('HSET', KEYS[1], REQ.version, ARGV[4], REQ.migrations, cjson.encode(migrations))

local release = cjson.decode(ARGV[10])
if status == 'running' then
  -- As a resume: the steps of an interrupted resume go again under theirs, the released under this one.
  local pending = take_resuming()
  for _, step in ipairs(release) do
    pending[step] = generation
    redis.call('HSETNX', KEYS[1], F.status .. step, 'queued')
  end
  local steps, generations = store_resuming(KEYS[1], pending)
  return { R.OK, generation, steps, generations }
end
redis.call('DEL', KEYS[3])
if #release > 0 then
  hold(KEYS[1], KEYS[3], release)
end
return { R.OK, generation, {}, {} }
