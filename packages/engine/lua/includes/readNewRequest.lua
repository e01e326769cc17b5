--[[
  read_new_request(A, at): the arguments of one request of createRequests, starting at A[at], by name.
  Their order and count (NR.size) are NEW_REQUEST_ARGS of store/scripts/new-request-args.ts, which
  encodes them: each field is read at its offset from there (NR.input, ...), never at a number written
  here. '' stands for an absent optional value.
]]
--- @replies none

local function read_new_request(A, at)
  return {
    input = A[at + NR.input],
    context = A[at + NR.context],
    version = A[at + NR.version],
    message = A[at + NR.message],
    parent = A[at + NR.parent],
    partition = A[at + NR.partition],
    fingerprint = A[at + NR.fingerprint],
    start_by = A[at + NR.startBy],
    finish_by = A[at + NR.finishBy],
    singleton = A[at + NR.singleton],
    fair_key = A[at + NR.fairKey],
  }
end
