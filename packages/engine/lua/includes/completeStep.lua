--[[
  complete_step(K, A, S, now, at): completes a step: stores its output, marks it completed, counts down
  the open parents of its successors and returns those that became ready (marked queued). While the
  request is paused, failed or stopped they are held instead, for resume or rerun. When the last
  terminal node completes, the request completes (end_request: its keys get their retention TTL and
  the completion is published).

  Idempotent: run again for a completed step it changes nothing and returns the same ready set, plus the
  ready successors that have started since (repeat_completion).

  K[1] state hash   K[2] data hash   K[3] store hash   K[4] held set   K[5] stream
  A    the script's ARGV; S the spec read by read_spec (readSpec.lua); now (ms); at: where the step's
       own part starts (see beginPartAt.lua).

  Fencing: only the attempt that owns the step completes it (fence_completion). The completed step's
  start, finish and owner go into one field, its record (stepRecord.lua). Terminals: a top-level
  terminal counts towards the request's end whatever the status (count_terminal).

  The parts share the completion C: { K, A, S, path, fields (the state fields written with the
  completion, in one HSET), ready (the steps the caller enqueues), running (the request runs) }.

  Returns
    { 0, ready }                   completed now; ready = successor paths to enqueue
    { 0, ready, 0, begun }         the same, and the join named in the own part was released and
                                   begun: begun = begin_step's reply
    { 0, {}, 1, parent, key, deadline, singleton }
                                   completed now, and so did the request; parent: its parent link
                                   (field parent) or ''; key: its concurrency key or ''; deadline: 1
                                   when it has one, else 0; singleton: its singleton key's name or ''
    { 1, ready, started, gen }     had completed before; started = ready successors that already began;
                                   gen = the job-id generation they were released with
    { 2, status }                  the request is not running; the output is kept, ready successors are held
    { 3, owner }                   stale: another attempt owns the step (owner), nothing written
    { -1 }                         no such request
]]
--- @replies OK NOT_RUNNING
--- @include chunked
--- @include readSpec
--- @include ownLength
--- @include fenceCompletion
--- @include repeatCompletion
--- @include startRequest
--- @include stepRecord
--- @include releaseSuccessors
--- @include openNextItem
--- @include countTerminal
--- @include announceStep
--- @include endRequest
--- @include holdSet
--- @include beginReleasedJoin

local function complete_step(K, A, S, now, at)
  local path = A[at + CO.path]
  local token = A[at + CO.owner]
  local refused, st = fence_completion(K[1], path, token)
  if refused then
    return refused
  end
  local status = st[1]
  if st[2] == 'completed' then
    return repeat_completion(K, A, S, path, st[3] or token)
  end

  redis.call('HSET', K[2], F.output .. path, A[at + CO.output])
  if S.data_json ~= '' then
    local data = cjson.decode(S.data_json)
    chunked('HSET', K[2], data, 1, #data)
  end
  -- The step keeps its start, finish and owner in one record (stepRecord.lua); an implied begin's start
  -- comes with the completion (impliedBegin.lua), beginNode's is in the state.
  local started_at = A[at + CO.startedAt]
  local fields = { F.status .. path, 'completed', F.done .. path,
    step_record(st[4] or started_at, now, token) }
  if st[3] or st[4] then
    redis.call('HDEL', K[1], F.owner .. path, F.startedAt .. path)
  end
  if status == 'completed' then
    redis.call('HSET', K[1], unpack(fields))
    return { R.NOT_RUNNING, status }
  end
  for i = at + CO.head + 1, at + CO.head + 2 * tonumber(A[at + CO.head]) do
    fields[#fields + 1] = A[i]
  end
  start_request(fields, status, started_at ~= '' and started_at or now)

  local C = { K = K, A = A, S = S, path = path, fields = fields, ready = {},
    running = status == 'pending' or status == 'running' }
  release_successors(C)
  if C.running and S.enqueued_json ~= '' then
    fields[#fields + 1] = F.entries .. path
    fields[#fields + 1] = S.enqueued_json
  end
  if S.has_gate then
    open_next_item(C)
  end
  local completed = count_terminal(C, status, now)
  chunked('HSET', K[1], fields, 1, #fields)
  announce_step(K[1], path, 'completed')

  if completed then
    -- The flow's one terminal: its output is the result, announced with the end.
    local flags = end_request(K, 'completed', S.retention, S.channel, S.message,
      S.terminals == 1 and A[at + CO.output] or nil)
    -- What the caller's end-of-request work needs, so that it reads nothing more.
    return { R.OK, {}, 1, flags[3] or '', flags[4] or '', (flags[7] or flags[8]) and 1 or 0,
      flags[9] or '' }
  end
  if not C.running then
    if #C.ready > 0 then
      hold(K[1], K[4], C.ready)
    end
    return { R.NOT_RUNNING, status }
  end
  local begun = begin_released_join(C, now, at)
  if begun then
    return { R.OK, C.ready, 0, begun }
  end
  return { R.OK, C.ready }
end
