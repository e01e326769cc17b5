--[[
  complete_step(K, A, S, now, at): completes a step: stores its output, marks it completed, counts down
  the open parents of its successors and returns those that became ready (marked queued). While the
  request is paused, failed or stopped they are held instead, for resume or rerun. When the last
  terminal node completes, the request completes, its keys get their retention TTL and the completion
  is published.

  Idempotent: run again for a completed step it changes nothing and returns the same ready set, plus the
  ready successors that have started since (the caller enqueues only the others).

  K[1] state hash   K[2] data hash   K[3] store hash   K[4] held set
  A    the script's ARGV; S the spec read by read_spec; now (ms); at: where the step's own part starts.

  A completion's arguments come in two parts, so that the completions of many steps with one spec (the
  items of a for-each body node finishing together) send the shared part once.

  The spec (read_spec(A, at)):
    terminal count of the flow, or 0 when the step does not complete a top-level terminal;
    retention of a completed request (ms); events channel; event message;
    n, then n pairs: successor path, number of completions it waits for
      (1: ready now; 0: a count set at run time by a start step; k > 1: a static join;
      'e': ready now and enqueued by the caller once this completion is accepted: on first
      completion it is marked queued but neither returned nor held, since its own job holds itself
      if it must; a repeat returns it like the others);
    a JSON array of data-hash field/value pairs to set on first completion (for-each item inputs), or '';
    a JSON array of released steps the caller enqueues once this completion is accepted (a start step's
      entries: sub-DAG and branch roots, for-each item roots), or '': neither returned nor held like
      'e' successors, returned on a repeat like them; while running, the array is stored as is in
      field qe|<step path>, and an entry without a status of its own is queued (readers: the state,
      controlRequest), so that 10,000 items cost one field here, not 10,000;
    g, then g gate values, for a terminal of a for-each body limited by maxConcurrency (the item gate):
      vertex path, item prefix, terminals per item, r, then r root suffixes; when the item's last
      terminal completes, the next waiting item (prefix from field x|vertex|index) starts.
  The step's own part:
    path; encoded output; start time, or '' (set for a step begun without beginNode: its t0 is written
    with its completion, and its attempt count, 1, is implied by a completion without one);
    owner token of the attempt ('<generation>.<delivery>', see beginNode.lua), or '' for a repeat by a
    job whose beginNode found the step completed;
    m, then m pairs of extra state-hash fields to set on first completion (a start step's counters,
    a fallback's error);
    the join the caller runs next in its own job if this completion releases it, or '' (then no more
    arguments follow); else its owner token, f, and the f data fields holding its input: when this
    first completion releases that join while the request runs, the join begins here, exactly as
    beginNode would right after (see begin_step in beginStep.lua, included before this file), and its
    begin reply comes with the completion's, saving the caller a round trip.
  own_length(A, at) is the length of the step's own part.

  Fencing: the attempt must own the step (field w|<path>, written by beginNode, markRunning and the
  first completion; absent while only a handed-over first attempt ran; 'r' after rerun reset it). A
  stale attempt writes nothing and releases nothing.

  Terminals: a top-level terminal counts towards the request's end whatever the status; when the last
  one completes while the request is stopped or failed, field allDone lets rerun complete it.

  Returns
    { 0, ready }                   completed now; ready = successor paths to enqueue
    { 0, ready, 0, begun }         the same, and the join named in the own part was released and
                                   begun: begun = begin_step's reply
    { 0, {}, 1, parent, key }      completed now, and so did the request; parent: its parent link
                                   (field parent) or ''; key: its concurrency key or ''
    { 1, ready, started, gen }     had completed before; started = ready successors that already began;
                                   gen = the job-id generation they were released with
    { 2, status }                  the request is not running; the output is kept, ready successors are held
    { 3, owner }                   stale: another attempt owns the step (owner), nothing written
    { -1 }                         no such request
]]
--- @replies OK COMPLETED NOT_RUNNING STALE MISSING
--- @include holdSet

-- Commands over many arguments go in chunks: unpack() has a stack limit.
local function chunked(command, key, list, first, last)
  for i = first, last, 1000 do
    redis.call(command, key, unpack(list, i, math.min(i + 999, last)))
  end
end

-- Reads a spec starting at A[at]; returns it and the index right after it.
local function read_spec(A, at)
  local succ_last = at + 4 + 2 * tonumber(A[at + 4])
  local S = {
    terminals = tonumber(A[at]),
    retention = A[at + 1],
    channel = A[at + 2],
    message = A[at + 3],
    succ_first = at + 5,
    succ_last = succ_last,
    data_json = A[succ_last + 1],
    enqueued_json = A[succ_last + 2],
    gate = succ_last + 4,
    has_gate = tonumber(A[succ_last + 3]) > 0,
  }
  return S, succ_last + 4 + tonumber(A[succ_last + 3])
end

-- Where the join to begin is named in a step's own part starting at A[at] (see the header).
local function begin_part_at(A, at)
  return at + 5 + 2 * tonumber(A[at + 4])
end

-- The length of a step's own part starting at A[at] (see the header).
local function own_length(A, at)
  local begin_at = begin_part_at(A, at)
  if A[begin_at] == '' then
    return begin_at + 1 - at
  end
  return begin_at + 3 + tonumber(A[begin_at + 2]) - at
end

-- The generation of an owner token '<generation>.<delivery>'.
local function complete_generation_of(owner)
  return tonumber(string.match(owner or '', '^(%d+)%.')) or 0
end

local function complete_step(K, A, S, now, at)
  local path = A[at]
  local token = A[at + 3]
  local st = redis.call('HMGET', K[1], REQ.status, F.status .. path, F.owner .. path)
  local status = st[1]
  if not status then
    return { R.MISSING }
  end
  local owner = st[3]
  if token == '' then
    -- A repeat from a job that found the step completed: it may only re-derive the release.
    if st[2] ~= 'completed' then
      return { R.STALE, owner or '' }
    end
  elseif owner and owner ~= token then
    return { R.STALE, owner }
  end
  local succ_first = S.succ_first
  local succ_last = S.succ_last
  local gate = S.gate
  local has_gate = S.has_gate

  local ready = {}
  if st[2] == 'completed' then
    if has_gate then
      local prefix = redis.call('HGET', K[1], F.nextItem .. path)
      if prefix then
        for i = gate + 4, gate + 3 + tonumber(A[gate + 3]) do
          ready[#ready + 1] = prefix .. A[i]
        end
      end
    end
    for i = succ_first, succ_last, 2 do
      local successor = A[i]
      local parents = A[i + 1]
      -- A repeat must not lose an 'e' successor whose add never happened: it is returned like any other,
      -- and the caller skips those that started.
      if parents == '1' or parents == 'e' or redis.call('HGET', K[1], F.releasedBy .. successor) == path then
        ready[#ready + 1] = successor
      end
    end
    if S.enqueued_json ~= '' then
      for _, successor in ipairs(cjson.decode(S.enqueued_json)) do
        ready[#ready + 1] = successor
      end
    end
    local started = {}
    for _, successor in ipairs(ready) do
      local state = redis.call('HGET', K[1], F.status .. successor)
      if state and state ~= 'queued' then
        started[#started + 1] = successor
      end
    end
    return { R.COMPLETED, ready, started, complete_generation_of(owner or token) }
  end

  redis.call('HSET', K[2], F.output .. path, A[at + 1])
  if S.data_json ~= '' then
    local data = cjson.decode(S.data_json)
    chunked('HSET', K[2], data, 1, #data)
  end
  local fields = { F.status .. path, 'completed', F.finishedAt .. path, now, F.owner .. path, token }
  if status == 'completed' then
    redis.call('HSET', K[1], unpack(fields))
    return { R.NOT_RUNNING, status }
  end
  -- A step begun without beginNode ran once: its attempt count is implied (1), only its start is written.
  local started_at = A[at + 2]
  if started_at ~= '' then
    fields[#fields + 1] = F.startedAt .. path
    fields[#fields + 1] = started_at
  end
  for i = at + 5, at + 4 + 2 * tonumber(A[at + 4]) do
    fields[#fields + 1] = A[i]
  end

  local running = status == 'pending' or status == 'running'
  -- A request whose roots began without beginNode (their input handed over) runs from its first completion.
  if status == 'pending' then
    fields[#fields + 1] = REQ.status
    fields[#fields + 1] = 'running'
    fields[#fields + 1] = REQ.startedAt
    fields[#fields + 1] = started_at ~= '' and started_at or now
  end
  -- A released successor: returned unless the caller enqueued it already, marked queued while running.
  local function release(successor, enqueued_by_caller)
    if not enqueued_by_caller then
      ready[#ready + 1] = successor
    end
    if running then
      fields[#fields + 1] = F.status .. successor
      fields[#fields + 1] = 'queued'
    end
  end

  for i = succ_first, succ_last, 2 do
    local successor = A[i]
    local parents = A[i + 1]
    local is_ready = parents == '1' or parents == 'e'
    if not is_ready and redis.call('HINCRBY', K[1], F.joinOpen .. successor, 1) == tonumber(parents) then
      is_ready = true
      fields[#fields + 1] = F.releasedBy .. successor
      fields[#fields + 1] = path
    end
    if is_ready then
      release(successor, parents == 'e')
    end
  end

  if running and S.enqueued_json ~= '' then
    fields[#fields + 1] = F.entries .. path
    fields[#fields + 1] = S.enqueued_json
  end

  if has_gate and redis.call('HINCRBY', K[1], F.gate .. A[gate + 1], 1) == tonumber(A[gate + 2]) then
    local vertex = A[gate]
    local next_item = redis.call('HINCRBY', K[1], F.itemsStarted .. vertex, 1)
    if next_item <= tonumber(redis.call('HGET', K[1], F.itemCount .. vertex) or '0') then
      local prefix = redis.call('HGET', K[1], F.item .. vertex .. '|' .. (next_item - 1))
      fields[#fields + 1] = F.nextItem .. path
      fields[#fields + 1] = prefix
      for i = gate + 4, gate + 3 + tonumber(A[gate + 3]) do
        release(prefix .. A[i], false)
      end
    end
  end

  local completed = false
  local terminals = S.terminals
  if terminals > 0 then
    local done = 1
    if terminals > 1 then
      done = redis.call('HINCRBY', K[1], REQ.terminalsDone, 1)
    end
    if done == terminals and (running or status == 'paused') then
      completed = true
      fields[#fields + 1] = REQ.status
      fields[#fields + 1] = 'completed'
      fields[#fields + 1] = REQ.finishedAt
      fields[#fields + 1] = now
    elseif done == terminals then
      -- Stopped or failed meanwhile: rerun completes the request, having nothing left to run.
      fields[#fields + 1] = REQ.allDone
      fields[#fields + 1] = now
    end
  end
  chunked('HSET', K[1], fields, 1, #fields)
  -- Live views of this request (see Keys.request().live) hear that the step completed.
  redis.call('PUBLISH', K[1] .. ':live', path .. ' completed')

  if completed then
    -- The store and held keys exist only when flagged: skip two commands on the hot path.
    local flags = redis.call('HMGET', K[1], REQ.hasStore, REQ.hasHeld, REQ.parent, REQ.concurrencyKey)
    redis.call('PEXPIRE', K[1], S.retention)
    redis.call('PEXPIRE', K[2], S.retention)
    if flags[1] then
      redis.call('PEXPIRE', K[3], S.retention)
    end
    if flags[2] then
      redis.call('DEL', K[4])
    end
    redis.call('PUBLISH', S.channel, S.message .. ' completed')
    -- What the caller's end-of-request work needs, so that it reads nothing more.
    return { R.OK, {}, 1, flags[3] or '', flags[4] or '' }
  end
  if not running then
    if #ready > 0 then
      hold(K[1], K[4], ready)
    end
    return { R.NOT_RUNNING, status }
  end
  local begin_at = begin_part_at(A, at)
  local join = A[begin_at]
  if join ~= '' then
    for _, successor in ipairs(ready) do
      if successor == join then
        local fields_at = begin_at + 3
        local begun = begin_step({ K[1], K[2], K[4] }, A, join, now, A[begin_at + 1], fields_at,
          fields_at + tonumber(A[begin_at + 2]) - 1)
        return { R.OK, ready, 0, begun }
      end
    end
  end
  return { R.OK, ready }
end
