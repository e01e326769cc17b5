--[[
  store_resuming(state, pending): keeps the steps a resume, rerun or migration releases until their
  enqueue is confirmed (clearResuming.lua): stores `pending` ({ [step]: generation }, everything
  take_resuming returned included) in the state hash, in chunks of LIMIT.resumingChunk steps (fields
  resuming.1 .. resuming.<n>, n in field resumingChunks; a confirmation rewrites one chunk), drops the
  chunks of before and the field resuming of an older version, and returns the steps and their
  generations as two lists, in the order of the chunks, for the caller to enqueue.

  append_resuming(state, steps, generation): adds `steps` under `generation` as new chunks after the
  stored ones (a rerun's slices, see rerunSlice.lua), each of at most LIMIT.resumingChunk steps.
]]
--- @replies none

local function store_resuming(state, pending)
  local steps, generations = {}, {}
  for step, g in pairs(pending) do
    steps[#steps + 1] = step
    generations[#generations + 1] = g
  end
  local size = LIMIT.resumingChunk
  local before = tonumber(redis.call('HGET', state, REQ.resumingChunks) or '0')
  local count = math.ceil(#steps / size)
  for k = 1, count do
    local chunk = {}
    for i = (k - 1) * size + 1, math.min(k * size, #steps) do
      chunk[steps[i]] = generations[i]
    end
    redis.call('HSET', state, REQ.resumingChunk .. k, cjson.encode(chunk))
  end
  local gone = { REQ.resuming }
  for k = count + 1, before do
    gone[#gone + 1] = REQ.resumingChunk .. k
  end
  if count > 0 then
    redis.call('HSET', state, REQ.resumingChunks, count)
  else
    gone[#gone + 1] = REQ.resumingChunks
  end
  for i = 1, #gone, 1000 do
    redis.call('HDEL', state, unpack(gone, i, math.min(i + 999, #gone)))
  end
  return steps, generations
end

local function append_resuming(state, steps, generation)
  local size = LIMIT.resumingChunk
  for i = 1, #steps, size do
    local chunk = {}
    for j = i, math.min(i + size - 1, #steps) do
      chunk[steps[j]] = generation
    end
    local k = redis.call('HINCRBY', state, REQ.resumingChunks, 1)
    redis.call('HSET', state, REQ.resumingChunk .. k, cjson.encode(chunk))
  end
end
