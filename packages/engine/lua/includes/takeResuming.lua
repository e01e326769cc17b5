--[[
  take_resuming(): the steps being enqueued by a resume or rerun of the request (state hash KEYS[1] of
  the including script), { [step]: generation }, until the caller confirms them (clearResuming.lua).
  They are kept in chunks (fields resuming.1 .. resuming.<n>, n in field resumingChunks, see
  store_resuming), or, written by a version before T3-2, in one field resuming: both are read. A
  resume of a running request enqueues them again, with the same generation, so that a resume or rerun
  interrupted by a crash, or raced by a second resume, never loses a step nor enqueues it under two
  job ids. The caller stores them again (store_resuming), which rewrites the chunks.
]]
--- @replies none

local function take_resuming()
  local pending = {}
  local function add(stored)
    if stored then
      for step, g in pairs(cjson.decode(stored)) do
        if not pending[step] or pending[step] < g then
          pending[step] = g
        end
      end
    end
  end
  add(redis.call('HGET', KEYS[1], REQ.resuming))
  local count = tonumber(redis.call('HGET', KEYS[1], REQ.resumingChunks) or '0')
  for k = 1, count do
    add(redis.call('HGET', KEYS[1], REQ.resumingChunk .. k))
  end
  return pending
end
