--[[
  Changes a request's lifecycle atomically, so that a control command and a worker's status write never
  overwrite each other.

  KEYS[1] state hash   KEYS[2] data hash   KEYS[3] store hash   KEYS[4] held set
  KEYS[5] stream of emitted chunks
  ARGV[1] command: pause | resume | stop | rerun
  ARGV[2] now (ms)   ARGV[3] retention of a stopped request (ms)   ARGV[4] events channel
  ARGV[5] event message   ARGV[6] retention of a paused request (ms)
  ARGV[7] retention of a completed request (ms): a rerun may complete it at once
  ARGV[8] stop: why the engine stops it (the request's error, JSON: a deadline, a newer singleton
          request), or '' for a caller's stop   ARGV[9] stop: 'unstarted' to stop only a request none
          of whose nodes began (no startedAt: a start deadline), else ''

  Every change is published on the events channel as '<flow>/<requestId> <status>'.

  pause   pending|running -> paused; running steps finish, ready successors are held; the keys expire
          after the paused retention unless the request is resumed or stopped before.
  resume  paused -> its status before (or a pending or running request with held or resuming steps
          left by an interrupted resume); the keys no longer expire; returns the held steps to enqueue under a new generation, and those
          of an interrupted resume under theirs (see take_resuming).
  stop    pending|running|paused -> stopped (with ARGV[9], only if it never started); the request ends (end_request: the stopped retention,
          published); returns the steps that were queued, running, waiting (a parked signal or
          child-flow node) or waiting for a retry (the caller removes their waiting jobs and aborts
          running handlers).
  rerun   failed|stopped -> running, or completed at once; see rerun_request (rerunRequest.lua): it
          begins the rerun, whose bounded slices (rerunSlice.lua) the caller runs.

  Returns
    { 0, steps, generation }                 pause, stop: done; generation is the current one
    { 0, steps, generation, 0, generations } resume: the steps to enqueue, each with its job-id
                                             generation (the caller confirms them, see clearResuming.lua)
    { 0, {}, generation, 1 }                 rerun completed the request at once
    { 0, {}, generation, 2 }                 rerun began (or goes on): the caller runs its slices
    { -2, status }             the command does not apply in this status
    { -1 }                     no such request
]]
--- @keys 5
--- @replies OK INVALID_TRANSITION MISSING
--- @include stepsWith
--- @include takeResuming
--- @include releaseAll
--- @include announceRequest
--- @include endRequest
--- @include rerunRequest
local command = ARGV[1]
local now = ARGV[2]
local channel, message = ARGV[4], ARGV[5]
local status = redis.call('HGET', KEYS[1], REQ.status)
if not status then
  return { R.MISSING }
end

if command == 'pause' then
  if status ~= 'pending' and status ~= 'running' then
    return { R.INVALID_TRANSITION, status }
  end
  redis.call('HSET', KEYS[1], REQ.status, 'paused', REQ.pausedFrom, status)
  for i = 1, 5 do
    redis.call('PEXPIRE', KEYS[i], ARGV[6])
  end
  announce_request(KEYS[1], channel, message, 'paused')
  return { R.OK, {}, 0 }
end

if command == 'resume' then
  local held = redis.call('SMEMBERS', KEYS[4])
  local pending = take_resuming()
  local live = status == 'running' or status == 'pending'
  if status ~= 'paused' and not (live and (#held > 0 or next(pending) ~= nil)) then
    return { R.INVALID_TRANSITION, status }
  end
  local generation = tonumber(redis.call('HGET', KEYS[1], REQ.generation) or '0')
  if #held > 0 then
    generation = redis.call('HINCRBY', KEYS[1], REQ.generation, 1)
  end
  local steps, generations = release_all(pending, held, generation)
  if status == 'paused' then
    local before = redis.call('HGET', KEYS[1], REQ.pausedFrom) or 'running'
    redis.call('HSET', KEYS[1], REQ.status, before)
    redis.call('HDEL', KEYS[1], REQ.pausedFrom)
    for i = 1, 5 do
      redis.call('PERSIST', KEYS[i])
    end
    announce_request(KEYS[1], channel, message, before)
  end
  return { R.OK, steps, generation, 0, generations }
end

if command == 'stop' then
  if status ~= 'pending' and status ~= 'running' and status ~= 'paused' then
    return { R.INVALID_TRANSITION, status }
  end
  if ARGV[9] == 'unstarted' and redis.call('HEXISTS', KEYS[1], REQ.startedAt) == 1 then
    return { R.INVALID_TRANSITION, status }
  end
  redis.call('HSET', KEYS[1], REQ.status, 'stopped', REQ.finishedAt, now)
  if ARGV[8] and ARGV[8] ~= '' then
    redis.call('HSET', KEYS[1], REQ.error, ARGV[8])
  end
  redis.call('HDEL', KEYS[1], REQ.pausedFrom)
  end_request(KEYS, 'stopped', ARGV[3], channel, message)
  local generation = tonumber(redis.call('HGET', KEYS[1], REQ.generation) or '0')
  return { R.OK, steps_with({ queued = true, running = true, retrying = true, waiting = true }),
    generation }
end

if command == 'rerun' then
  return rerun_request(status, now, ARGV[7], channel, message)
end

return redis.error_reply('unknown command ' .. tostring(command))
