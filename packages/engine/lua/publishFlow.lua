--[[
  Publishes a version of a flow's definition and decides whether it becomes the flow's current version
  (the one processes without the flow's code start requests on), so that the current version only moves
  forward during a rolling deploy: an old process that restarts does not make its version current again.

  KEYS[1] versions hash (version -> published JSON)   KEYS[2] current hash (fields version, revision)
  ARGV[1] version   ARGV[2] published JSON   ARGV[3] revision, or ''   ARGV[4] '1': make it current
  whatever came before (a run-time change, a rollback on purpose), else '0'

  A version published before keeps its first JSON (and so its first publication time). It becomes
  current when forced, when the flow has none, when it is the current one already, when both carry a
  revision and its revision is higher; with equal revisions or without one, when it was never published
  before (a new definition), unless its revision is lower than the current one's. The current version
  published again keeps the higher of its revisions.

  Returns
    { 0, json }   current now; json: the version's stored JSON
    { 1, json }   published, not current (an older definition)
]]
--- @keys 2
--- @replies OK COMPLETED
local version = ARGV[1]
local revision = tonumber(ARGV[3])
local stored = redis.call('HGET', KEYS[1], version)
local existed = stored ~= false
if not existed then
  stored = ARGV[2]
  redis.call('HSET', KEYS[1], version, stored)
end
local cur = redis.call('HMGET', KEYS[2], 'version', 'revision')
local cur_revision = tonumber(cur[2])
local current
if ARGV[4] == '1' or not cur[1] or cur[1] == version then
  current = true
elseif revision and cur_revision and revision ~= cur_revision then
  current = revision > cur_revision
else
  current = not existed
end
if not current then
  return { R.COMPLETED, stored }
end
-- The same version published again (an old process of the same shape restarting) never lowers the
-- revision it was made current with.
if cur[1] == version and cur_revision and (not revision or revision < cur_revision) and ARGV[4] ~= '1' then
  return { R.OK, stored }
end
redis.call('HSET', KEYS[2], 'version', version)
if revision then
  redis.call('HSET', KEYS[2], 'revision', ARGV[3])
else
  redis.call('HDEL', KEYS[2], 'revision')
end
return { R.OK, stored }
