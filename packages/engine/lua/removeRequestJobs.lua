--[[
  Removes one request's jobs that have not started from one BullMQ queue, a window of its structures
  per call, so that a stop of a request with 100,000 waiting items never blocks Redis for long (each
  call scans at most ARGV[6] entries). The caller calls again with the returned place until it is past
  the last structure, then once more from the start to catch entries a concurrent removal shifted
  past the cursor (see `removeRequestJobs` in queue/request-jobs.ts).

  As BullMQ's own scripts do: in a list (wait, paused), matching entries are overwritten with an empty
  marker (LSET) and the markers dropped with one LREM at the end of the call (cleanList.lua); sorted
  sets (delayed, prioritized) lose them with ZREM (removeJobFromAnyState.lua); each removed job's keys
  go as in removeJobKeys.lua. No event is emitted per job (as drain.lua). Active (locked) jobs are in
  none of these structures and stay; their handlers see the stop.

  A job is the request's when its id is ARGV[2] (the request's job-id prefix, `<requestId>|`) then a
  path and an optional generation (`|<g>`) no greater than ARGV[3]: wake jobs (`|<g>|<kind>`), the
  `@finish` job (ARGV[4]) and steps of a later generation (a rerun that came meanwhile) stay.

  KEYS[1] wait   KEYS[2] paused   KEYS[3] delayed   KEYS[4] prioritized   (one queue: one hash slot)
  ARGV[1] the queue's job key prefix (`<prefix>:<queue>:`)   ARGV[2] job-id prefix of the request
  ARGV[3] highest generation to remove   ARGV[4] path of the finish job   ARGV[5] structure (1-4)
  ARGV[6] entries to scan in this call (at most 1,000)   ARGV[7] index to start at in the structure

  Returns { structure, index, removed }: where the next call starts (structure 5: done), and how many
  jobs this call removed.
]]
--- @keys 4
--- @replies none
local base, prefix = ARGV[1], ARGV[2]
local highest, finish = tonumber(ARGV[3]), ARGV[4]
local structure, window, index = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
if structure > 4 then
  return { structure, 0, 0 }
end

local function is_request_job(id)
  if string.sub(id, 1, #prefix) ~= prefix then
    return false
  end
  local rest = string.sub(id, #prefix + 1)
  local bar = string.find(rest, '|', 1, true)
  if not bar then
    return rest ~= finish
  end
  local generation = tonumber(string.sub(rest, bar + 1))
  return generation ~= nil and generation <= highest and string.sub(rest, 1, bar - 1) ~= finish
end

local function remove_keys(id)
  local key = base .. id
  redis.call('DEL', key, key .. ':logs', key .. ':dependencies', key .. ':processed',
    key .. ':failed', key .. ':unsuccessful')
end

local key = KEYS[structure]
local is_list = structure <= 2
local entries
if is_list then
  entries = redis.call('LRANGE', key, index, index + window - 1)
else
  entries = redis.call('ZRANGE', key, index, index + window - 1)
end
local removed = {}
for i, id in ipairs(entries) do
  if is_request_job(id) then
    removed[#removed + 1] = id
    if is_list then
      redis.call('LSET', key, index + i - 1, '')
    end
  end
end
if #removed > 0 then
  if is_list then
    redis.call('LREM', key, #removed, '')
  else
    redis.call('ZREM', key, unpack(removed))
  end
  for _, id in ipairs(removed) do
    remove_keys(id)
  end
end
if #entries < window then
  return { structure + 1, 0, #removed }
end
return { structure, index + #entries - #removed, #removed }
