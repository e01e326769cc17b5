--[[
  read_spec(A, at): reads the spec of a completion starting at A[at] (A: the script's ARGV); returns it
  and the index right after it, where the steps' own parts follow (see ownLength.lua).

  A completion's arguments come in two parts, so that the completions of many steps with one spec (the
  items of a for-each body node finishing together) send the shared part once. Their layout and encoder
  are specArgs in store/scripts/completion-args.ts: the fixed arguments are read at their offsets from
  there (CS.terminals, ...), then the counted lists follow. The spec:
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
]]
--- @replies none

local function read_spec(A, at)
  local succ_last = at + CS.head + 2 * tonumber(A[at + CS.head])
  local S = {
    terminals = tonumber(A[at + CS.terminals]),
    retention = A[at + CS.retention],
    channel = A[at + CS.channel],
    message = A[at + CS.message],
    succ_first = at + CS.head + 1,
    succ_last = succ_last,
    data_json = A[succ_last + 1],
    enqueued_json = A[succ_last + 2],
    gate = succ_last + 4,
    has_gate = tonumber(A[succ_last + 3]) > 0,
  }
  return S, succ_last + 4 + tonumber(A[succ_last + 3])
end
