--[[
  Changes a request's lifecycle atomically, so that a control command and a worker's status write never
  overwrite each other.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  ARGV[1] command: pause | resume | stop | rerun
  ARGV[2] now (ms)   ARGV[3] retention of a stopped request (ms)   ARGV[4] events channel
  ARGV[5] event message   ARGV[6] retention of a paused request (ms)

  Every change is published on the events channel as '<flow>/<requestId> <status>'.

  pause   pending|running -> paused; running steps finish, ready successors are held; the keys expire
          after the paused retention unless the request is resumed or stopped before.
  resume  paused -> running (or running with held steps left by an interrupted resume); the keys no
          longer expire;
          returns the held steps to enqueue (the caller removes them from the held set once enqueued).
  stop    pending|running|paused -> stopped; publishes it; returns the steps that were queued, running
          or waiting for a retry (the caller removes their waiting jobs and aborts running handlers).
  rerun   failed|stopped -> running; failed and unfinished steps are reset (their attempts still running
          lose ownership: field w| becomes 'r<generation>', so their late completions are stale, and
          jobs of older generations still waiting do not start), the TTL is removed;
          returns those steps plus the held ones to enqueue. A request whose terminals all completed
          while it was stopped or failed (field allDone, see completeStep.lua) has nothing left to run:
          it completes at once.

  Returns
    { 0, steps, generation }   done; generation is the job-id generation for steps enqueued now
    { 0, {}, generation, 1 }   rerun completed the request at once
    { -2, status }             the command does not apply in this status
    { -1 }                     no such request
]]
local command = ARGV[1]
local now = ARGV[2]
local status = redis.call('HGET', KEYS[1], 'status')
if not status then
  return { -1 }
end

-- Steps in one of `states`; a start step's entries without a status of their own (field qe|, see
-- completeStep.lua) are queued.
local function steps_with(states)
  local found = {}
  local all = redis.call('HGETALL', KEYS[1])
  local fields = {}
  for i = 1, #all, 2 do
    fields[all[i]] = all[i + 1]
  end
  for i = 1, #all, 2 do
    local field = all[i]
    if string.sub(field, 1, 2) == 's|' and states[all[i + 1]] then
      found[#found + 1] = string.sub(field, 3)
    elseif states['queued'] and string.sub(field, 1, 3) == 'qe|' then
      for _, entry in ipairs(cjson.decode(all[i + 1])) do
        if not fields['s|' .. entry] then
          found[#found + 1] = entry
        end
      end
    end
  end
  return found
end

if command == 'pause' then
  if status ~= 'pending' and status ~= 'running' then
    return { -2, status }
  end
  redis.call('HSET', KEYS[1], 'status', 'paused', 'pausedFrom', status)
  for i = 1, 4 do
    redis.call('PEXPIRE', KEYS[i], ARGV[6])
  end
  redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' paused')
  return { 0, {}, 0 }
end

if command == 'resume' then
  local held = redis.call('SMEMBERS', KEYS[4])
  if status ~= 'paused' and not (status == 'running' and #held > 0) then
    return { -2, status }
  end
  local generation = redis.call('HINCRBY', KEYS[1], 'generation', 1)
  if status == 'paused' then
    local before = redis.call('HGET', KEYS[1], 'pausedFrom') or 'running'
    redis.call('HSET', KEYS[1], 'status', before)
    redis.call('HDEL', KEYS[1], 'pausedFrom')
    for i = 1, 4 do
      redis.call('PERSIST', KEYS[i])
    end
    redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' ' .. before)
  end
  return { 0, held, generation }
end

if command == 'stop' then
  if status ~= 'pending' and status ~= 'running' and status ~= 'paused' then
    return { -2, status }
  end
  redis.call('HSET', KEYS[1], 'status', 'stopped', 'finishedAt', now)
  redis.call('HDEL', KEYS[1], 'pausedFrom')
  for i = 1, 4 do
    redis.call('PEXPIRE', KEYS[i], ARGV[3])
  end
  redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' stopped')
  local generation = tonumber(redis.call('HGET', KEYS[1], 'generation') or '0')
  return { 0, steps_with({ queued = true, running = true, retrying = true }), generation }
end

if command == 'rerun' then
  if status ~= 'failed' and status ~= 'stopped' then
    return { -2, status }
  end
  local generation = redis.call('HINCRBY', KEYS[1], 'generation', 1)
  if redis.call('HEXISTS', KEYS[1], 'allDone') == 1 then
    redis.call('HSET', KEYS[1], 'status', 'completed', 'finishedAt', now)
    redis.call('HDEL', KEYS[1], 'error', 'allDone')
    redis.call('DEL', KEYS[4])
    redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' completed')
    return { 0, {}, generation, 1 }
  end
  local reset = steps_with({ failed = true, queued = true, running = true, retrying = true })
  for _, step in ipairs(reset) do
    redis.call('HDEL', KEYS[1], 's|' .. step, 't1|' .. step, 'e|' .. step)
    redis.call('HSET', KEYS[1], 'w|' .. step, 'r' .. generation)
  end
  redis.call('HSET', KEYS[1], 'status', 'running')
  redis.call('HDEL', KEYS[1], 'finishedAt', 'error')
  for i = 1, 4 do
    redis.call('PERSIST', KEYS[i])
  end
  for _, step in ipairs(redis.call('SMEMBERS', KEYS[4])) do
    reset[#reset + 1] = step
  end
  redis.call('PUBLISH', ARGV[4], ARGV[5] .. ' running')
  return { 0, reset, generation }
end

return redis.error_reply('unknown command ' .. tostring(command))
