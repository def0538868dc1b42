-- The HTTP read mix for wrk (bench/wrk.py runs it): each wrk thread drives one keep-alive
-- connection (bench/wrk.py passes -t N -c N) and cycles through its own list of request paths,
-- the same lists bench/http_reads.py builds for its client threads. The bearer token comes with
-- wrk's -H, which wrk.format() merges into every request.
--
--   wrk -t 4 -c 4 -d 2s -s bench/wrk_mix.lua http://127.0.0.1:8000 -- MIX_FILE
--
-- MIX_FILE holds one path (with its query string, already percent-encoded) per line, and an
-- empty line between two threads' lists; thread n takes list n modulo their number.
-- done() prints one line, "WRK_JSON {...}", for bench/wrk.py to read: completed requests,
-- duration, p50/p99 latency (microseconds), wrk's socket errors, and every answer that was not
-- 2xx (wrk itself only counts statuses above 399), with the first such answer as an example.

local threads = {}
local counter = 0

function setup(thread)
   thread:set("index", counter)
   counter = counter + 1
   table.insert(threads, thread)
end

local requests = {}
local paths = {}
local turn = 0
local last_path = nil
non_2xx = 0
first_bad = nil

local function read_lists(name)
   local lists, current = {}, {}
   local file = assert(io.open(name, "r"))
   for line in file:lines() do
      if line == "" then
         if #current > 0 then
            table.insert(lists, current)
            current = {}
         end
      else
         table.insert(current, line)
      end
   end
   file:close()
   if #current > 0 then
      table.insert(lists, current)
   end
   assert(#lists > 0, "no request paths in " .. name)
   return lists
end

function init(args)
   local lists = read_lists(args[1])
   paths = lists[(index % #lists) + 1]
   -- Formatted once: building a request per call costs wrk more than the loopback does.
   for i, path in ipairs(paths) do
      requests[i] = wrk.format("GET", path)
   end
end

function request()
   turn = turn % #requests + 1
   last_path = paths[turn]
   return requests[turn]
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
      if first_bad == nil then
         -- One connection per thread and no pipelining: the answer is to the last request sent.
         first_bad = string.format("%d GET %s: %s", status, tostring(last_path),
                                   string.sub(body or "", 1, 300))
      end
   end
end

local function quoted(text)
   text = string.gsub(text, '[%c"\\]', function(c)
      return string.format("\\u%04x", string.byte(c))
   end)
   return '"' .. text .. '"'
end

function done(summary, latency, _requests)
   local bad, example = 0, nil
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non_2xx") or 0)
      example = example or thread:get("first_bad")
   end
   local e = summary.errors
   io.write(string.format(
      'WRK_JSON {"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, ' ..
      '"max_us": %d, "non_2xx": %d, "first_non_2xx": %s, "connect_errors": %d, ' ..
      '"read_errors": %d, "write_errors": %d, "timeouts": %d}\n',
      summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
      latency.max, bad, example and quoted(example) or "null", e.connect, e.read, e.write,
      e.timeout))
end
