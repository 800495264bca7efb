-- wrk script for figure 1: wrk -t T -c N, the N connections shared by the T threads (T = 2,
-- as pgbench's -j 2). The arguments after "--" are the request's method, its JSON body,
-- T, then one Authorization value per user: thread t sends as users t, t + T, t + 2T, ...
-- in turn, one request after another, so every user's requests come as often as the
-- others'. Prints the suite's RESULT line at the end; latencies in milliseconds.

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  local method, body, thread_count = args[1], args[2], tonumber(args[3])
  local users = #args - 3
  requests = {}
  for user = id, users - 1, thread_count do
    local headers = { ["Content-Type"] = "application/json", ["Authorization"] = args[4 + user] }
    table.insert(requests, wrk.format(method, nil, headers, body))
  end
  if #requests == 0 then
    error("thread " .. id .. " has no user: " .. users .. " user(s) for " .. thread_count .. " thread(s)")
  end
  sent = 0
  statuses = {}
end

function request()
  sent = sent % #requests + 1
  return requests[sent]
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  local counts = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      counts[status] = (counts[status] or 0) + count
    end
  end
  local ok, failed, parts = 0, 0, {}
  for status, count in pairs(counts) do
    if status >= 200 and status < 300 then ok = ok + count else failed = failed + count end
    table.insert(parts, status .. ":" .. count)
  end
  table.sort(parts)
  local transport = summary.errors.connect + summary.errors.read + summary.errors.write
      + summary.errors.timeout
  local seconds = summary.duration / 1e6
  io.write(string.format(
      "RESULT requests=%d ok=%d errors=%d seconds=%.2f throughput=%.1f statuses=%s p50=%.3f p90=%.3f p99=%.3f max=%.3f\n",
      summary.requests, ok, failed + transport, seconds, ok / seconds,
      (#parts > 0) and table.concat(parts, ",") or "none",
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000))
end
