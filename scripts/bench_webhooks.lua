-- wrk script for the ingest benchmark: each wrk thread sends the signed Onfleet requests of its
-- own file (BENCH_REQUESTS_<thread>.txt, one "signature<TAB>body" per line, written by
-- scripts/bench.py), in order, and never wraps around: once its file is used up it repeats the
-- last line (a retry, answered as a duplicate). done() prints one JSON line for bench.py.
local threads = {}
local counter = 0
local prefix = os.getenv("BENCH_REQUESTS") or "var/bench/requests"
local path_on_server = os.getenv("BENCH_PATH") or "/hooks/x/"

function setup(thread)
  thread:set("tid", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  sigs, bodies = {}, {}
  for line in io.lines(prefix .. "_" .. tid .. ".txt") do
    local tab = line:find("\t", 1, true)
    sigs[#sigs + 1] = line:sub(1, tab - 1)
    bodies[#bodies + 1] = line:sub(tab + 1)
  end
  issued = 0
end

function request()
  local i = issued + 1
  if i > #bodies then
    i = #bodies
  end
  issued = issued + 1
  return wrk.format("POST", path_on_server, {
    ["Content-Type"] = "application/json",
    ["X-Onfleet-Signature"] = sigs[i],
  }, bodies[i])
end

function done(summary, latency, requests)
  local issued_per_thread = {}
  for _, thread in ipairs(threads) do
    issued_per_thread[#issued_per_thread + 1] = tostring(thread:get("issued"))
  end
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "connect": %d, "read": %d, "write": %d, '
      .. '"status": %d, "timeout": %d, "p50_us": %d, "p90_us": %d, "p99_us": %d, '
      .. '"max_us": %d, "issued": [%s]}\n',
    summary.requests, summary.duration, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.status, summary.errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    table.concat(issued_per_thread, ", ")
  ))
end
