--[[
  begin_step(K, A, path, now, token, first, last): starts an attempt of a step: the request state is the
  guard, so a step that completed never runs again and no step starts unless the request is running. A
  step that may not start while its request is paused, failed or stopped is held, to be enqueued again
  by resume or rerun.

  A wake job's attempt (token ending in 'w' or 't') is the parked attempt going on: its count and
  its start stay.

  The attempt becomes the step's owner (field w|<path>): its token, '<generation>.<delivery>' (the job-id
  generation and BullMQ's attemptsStarted of the job), is unique per delivery of a step's job, and only
  the owner's completion or failure is accepted (fencing; see completeStep.lua). A later attempt (a
  retry, a takeover after a lost lock, a job of a newer generation) takes the step over from an older one.

  K[1] state hash   K[2] data hash   K[3] held set
  A    the script's ARGV; A[first..last] the data fields holding the step's input

  A job of an older generation than the step's owner (a job a resume or rerun re-enqueued under a new
  generation while the old one still waited; 'r<generation>' after a rerun reset the step) does not start.

  Returns
    { 0, attempt, context, input1, input2, ... }  run it (context is false when absent)
    { 1 }                                          the step already completed
    { 3, owner }                                   stale: the step belongs to a newer generation
    { 2, status }                                  the request is not running; the step is held unless it
                                                   ended or another generation's attempt runs it
    { -1 }                                         no such request (never created or expired)
]]
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include holdSet
--- @include startRequest
--- @include announceStep
--- @include ownerToken


local function begin_step(K, A, path, now, token, first, last)
  local st = redis.call('HMGET', K[1], REQ.status, F.status .. path, F.attempts .. path,
    F.owner .. path)
  local status = st[1]
  if not status then
    return { R.MISSING }
  end
  if st[2] == 'completed' then
    return { R.COMPLETED }
  end
  if st[4] and owner_generation(st[4]) > owner_generation(token) then
    return { R.STALE, st[4] }
  end
  if status ~= 'pending' and status ~= 'running' then
    -- A job of a newer generation than a running attempt's is a duplicate while that attempt may live:
    -- it is not held (a resume would then start the step twice); the attempt's own job, retried or
    -- recovered after a stall, holds it if it must.
    if st[2] == 'running' and st[4] and owner_generation(st[4]) ~= owner_generation(token) then
      return { R.NOT_RUNNING, status }
    end
    if status ~= 'completed' then
      hold(K[1], K[3], { path })
    end
    return { R.NOT_RUNNING, status }
  end
  -- A wake job goes on with the attempt that parked the step (a signal, a child's end, a timeout): the
  -- same attempt, still timed from when it began waiting.
  local woken = is_wake(token) and st[3] ~= false
  local attempt = tonumber(st[3] or '0') + (woken and 0 or 1)
  local fields = { F.status .. path, 'running', F.attempts .. path, attempt, F.owner .. path, token }
  if not woken then
    fields[#fields + 1] = F.startedAt .. path
    fields[#fields + 1] = now
  end
  redis.call('HSET', K[1], unpack(start_request(fields, status, now)))
  announce_step(K[1], path, 'running')
  -- The context and the first inputs in one HMGET; the rest in chunks, since unpack() has a stack
  -- limit and a for-each join may read thousands of outputs.
  local head = math.min(last, first + 999)
  local reply = redis.call('HMGET', K[2], DATA.context, unpack(A, first, head))
  table.insert(reply, 1, attempt)
  table.insert(reply, 1, R.OK)
  for from = head + 1, last, 1000 do
    local values = redis.call('HMGET', K[2], unpack(A, from, math.min(from + 999, last)))
    for i = 1, #values do
      reply[#reply + 1] = values[i]
    end
  end
  return reply
end
