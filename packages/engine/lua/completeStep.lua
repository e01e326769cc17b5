--[[
  complete_step(K, A): completes a step: stores its output, marks it completed, counts down the open parents of its
  successors and returns those that became ready (marked queued). While the request is paused, failed
  or stopped they are held instead, for resume or rerun. When the last terminal node completes, the
  request completes, its keys get their retention TTL and the completion is published.

  Idempotent: run again for a completed step it changes nothing and returns the same ready set, plus the
  ready successors that have started since (the caller enqueues only the others).

  K[1] state hash   K[2] data hash   K[3] store hash   K[4] held set
  A[1] step path    A[2] now (ms)    A[3] encoded output
  A[4] terminal count of the flow, or 0 when this step does not complete a top-level terminal
  A[5] retention of a completed request (ms)   A[6] events channel   A[7] event message
  A[8] n, then n pairs: successor path, number of completions it waits for
          (1: ready now; 0: a count set at run time by a start step; k > 1: a static join;
          'e': ready now and already enqueued by the caller, pipelined right behind this script: on first
          completion it is marked queued but neither returned nor held, since its own job holds itself
          if it must; a repeat returns it like the others)
  then m, then m pairs: extra state-hash fields to set on first completion (a start step's counters)
  then a JSON array of data-hash field/value pairs to set on first completion (for-each item inputs),
       or '' for none
  then a JSON array of released steps the caller enqueues right behind this script (a start step's
       entries: sub-DAG and branch roots, for-each item roots), or '' for none: marked queued and
       neither returned nor held like 'e' successors, returned on a repeat like them
  then, for a terminal of a for-each body limited by maxConcurrency (the item gate): vertex path,
       item prefix, terminals per item, r, then r root suffixes; when the item's last terminal completes,
       the next waiting item (prefix from field x|vertex|index) starts

  Returns
    { 0, ready }            completed now; ready = successor paths to enqueue
    { 0, {}, 1 }            completed now, and so did the request
    { 1, ready, started }   had completed before; started = ready successors that already began
    { 2, status }           the request is not running; the output is kept, ready successors are held
    { -1 }                  no such request
]]

-- Commands over many arguments go in chunks: unpack() has a stack limit.
local function chunked(command, key, list, first, last)
  for i = first, last, 1000 do
    redis.call(command, key, unpack(list, i, math.min(i + 999, last)))
  end
end

local function complete_step(K, A)
  local path = A[1]
  local now = A[2]
  local st = redis.call('HMGET', K[1], 'status', 's|' .. path, 'hasStore', 'hasHeld')
  local status = st[1]
  if not status then
    return { -1 }
  end

  local succ_first = 9
  local succ_last = 8 + 2 * tonumber(A[8])

  local state_count = tonumber(A[succ_last + 1])
  local state_first = succ_last + 2
  local state_last = succ_last + 1 + 2 * state_count
  local data_json = A[state_last + 1]
  local enqueued = {}
  if A[state_last + 2] ~= '' then
    enqueued = cjson.decode(A[state_last + 2])
  end
  local gate = state_last + 3
  local has_gate = #A >= gate

  local ready = {}
  if st[2] == 'completed' then
    if has_gate then
      local prefix = redis.call('HGET', K[1], 'n|' .. path)
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
      if parents == '1' or parents == 'e' or redis.call('HGET', K[1], 'r|' .. successor) == path then
        ready[#ready + 1] = successor
      end
    end
    for _, successor in ipairs(enqueued) do
      ready[#ready + 1] = successor
    end
    local started = {}
    for _, successor in ipairs(ready) do
      local state = redis.call('HGET', K[1], 's|' .. successor)
      if state and state ~= 'queued' then
        started[#started + 1] = successor
      end
    end
    return { 1, ready, started }
  end

  redis.call('HSET', K[2], 'o|' .. path, A[3])
  if data_json ~= '' then
    local data = cjson.decode(data_json)
    chunked('HSET', K[2], data, 1, #data)
  end
  local fields = { 's|' .. path, 'completed', 't1|' .. path, now }
  if status == 'completed' then
    redis.call('HSET', K[1], unpack(fields))
    return { 2, status }
  end
  for i = state_first, state_last do
    fields[#fields + 1] = A[i]
  end

  local running = status == 'pending' or status == 'running'
  -- A released successor: returned unless the caller enqueued it already, marked queued while running.
  local function release(successor, enqueued_by_caller)
    if not enqueued_by_caller then
      ready[#ready + 1] = successor
    end
    if running then
      fields[#fields + 1] = 's|' .. successor
      fields[#fields + 1] = 'queued'
    end
  end

  for i = succ_first, succ_last, 2 do
    local successor = A[i]
    local parents = A[i + 1]
    local is_ready = parents == '1' or parents == 'e'
    if not is_ready and redis.call('HINCRBY', K[1], 'j|' .. successor, 1) == tonumber(parents) then
      is_ready = true
      fields[#fields + 1] = 'r|' .. successor
      fields[#fields + 1] = path
    end
    if is_ready then
      release(successor, parents == 'e')
    end
  end

  for _, successor in ipairs(enqueued) do
    release(successor, true)
  end

  if has_gate and redis.call('HINCRBY', K[1], 'g|' .. A[gate + 1], 1) == tonumber(A[gate + 2]) then
    local vertex = A[gate]
    local next_item = redis.call('HINCRBY', K[1], 'q|' .. vertex, 1)
    if next_item <= tonumber(redis.call('HGET', K[1], 'qn|' .. vertex) or '0') then
      local prefix = redis.call('HGET', K[1], 'x|' .. vertex .. '|' .. (next_item - 1))
      fields[#fields + 1] = 'n|' .. path
      fields[#fields + 1] = prefix
      for i = gate + 4, gate + 3 + tonumber(A[gate + 3]) do
        release(prefix .. A[i], false)
      end
    end
  end

  local completed = false
  local terminals = tonumber(A[4])
  if terminals > 0 and (running or status == 'paused') then
    local done = 1
    if terminals > 1 then
      done = redis.call('HINCRBY', K[1], 'terminalsDone', 1)
    end
    if done == terminals then
      completed = true
      fields[#fields + 1] = 'status'
      fields[#fields + 1] = 'completed'
      fields[#fields + 1] = 'finishedAt'
      fields[#fields + 1] = now
    end
  end
  chunked('HSET', K[1], fields, 1, #fields)

  if completed then
    -- The store and held keys exist only when flagged: skip two commands on the hot path.
    redis.call('PEXPIRE', K[1], A[5])
    redis.call('PEXPIRE', K[2], A[5])
    if st[3] then
      redis.call('PEXPIRE', K[3], A[5])
    end
    if st[4] then
      redis.call('DEL', K[4])
    end
    redis.call('PUBLISH', A[6], A[7] .. ' completed')
    return { 0, {}, 1 }
  end
  if not running then
    if #ready > 0 then
      chunked('SADD', K[4], ready, 1, #ready)
      redis.call('HSET', K[1], 'hasHeld', '1')
    end
    return { 2, status }
  end
  return { 0, ready }
end
