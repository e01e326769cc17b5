--[[
  take_resuming(): the steps being enqueued by a resume or rerun of the request (state hash KEYS[1] of
  the including script; field resuming: JSON { [step]: generation }) until the caller confirms them
  (clearResuming.lua). A resume of a running request enqueues them again, with the same generation, so
  that a resume or rerun interrupted by a crash, or raced by a second resume, never loses a step nor
  enqueues it under two job ids.
]]
--- @replies none

local function take_resuming()
  local stored = redis.call('HGET', KEYS[1], REQ.resuming)
  return stored and cjson.decode(stored) or {}
end
