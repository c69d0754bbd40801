-- wrk script for scripts/load.sh. One file, three modes chosen by the first argument:
--
--   wrk ... -s load.lua URL -- get      NTHREADS [TOKEN]
--   wrk ... -s load.lua URL -- classify NTHREADS INPUTS_JSONL TOKEN
--   wrk ... -s load.lua URL -- ingest   NTHREADS REFERRALS_TSV PICTURES_JSONL API_KEY
--
-- get:      GET of the URL's path (e.g. /healthz), with the bearer TOKEN when given.
-- classify: POST /v1/discordance/classify, cycling through the worked examples' inputs.
-- ingest:   POST /v1/referrals/{id}/second-opinions with the partner key. Each request takes
--           the next referral of the list (thread k of n takes lines k, k+n, k+2n ...), so no
--           referral is answered twice; the body is that referral's example opinion with a
--           fresh external_id and Idempotency-Key, as a partner system would send it.
--           When a thread runs out of referrals it stops and the run reports `exhausted`.
--           (wrk calls the first thread's request() once before the run to check it, so that
--           thread's first referral is skipped, never sent.)
--
-- done() prints one line `RESULT key=value ...` for the shell to parse.

local threads = {}
local next_id = 0

function setup(thread)
   thread:set("tid", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

local function lines(path)
   local out = {}
   for line in io.lines(path) do
      if line ~= "" then out[#out + 1] = line end
   end
   return out
end

-- A random version-4 UUID (math.random is seeded per thread in init).
local function uuid4()
   local t = {}
   for i = 1, 16 do t[i] = math.random(0, 255) end
   t[7] = 0x40 + t[7] % 16
   t[9] = 0x80 + t[9] % 64
   local h = string.format(string.rep("%02x", 16), unpack(t))
   return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-" .. h:sub(13, 16) .. "-" .. h:sub(17, 20) .. "-" .. h:sub(21, 32)
end

function init(args)
   mode = args[1]
   local nthreads = tonumber(args[2])
   exhausted = 0
   pos = 0
   math.randomseed(os.time() * 1000 + tid * 7919 + math.floor(os.clock() * 1e6))
   if mode == "get" then
      local headers = {}
      if args[3] then headers["Authorization"] = "Bearer " .. args[3] end
      static = wrk.format("GET", wrk.path, headers)
   elseif mode == "classify" then
      reqs = {}
      local headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. args[4] }
      for _, body in ipairs(lines(args[3])) do
         reqs[#reqs + 1] = wrk.format("POST", "/v1/discordance/classify", headers, body)
      end
      pos = tid -- threads start at different examples
   elseif mode == "ingest" then
      refs = {}
      local i = 0
      for _, line in ipairs(lines(args[3])) do
         if i % nthreads == tid then
            local id, example = line:match("^(%S+)%s+%S+%s+%S+%s+(%d+)")
            refs[#refs + 1] = { id, tonumber(example) + 1 }
         end
         i = i + 1
      end
      pictures = lines(args[4])
      key = args[5]
   else
      error("unknown mode " .. tostring(mode))
   end
end

local reviewer = '{"name":"Dr. S. Banerjee","specialty":"medical oncology","institution":"Tata Memorial Centre"}'

function request()
   if mode == "get" then
      return static
   elseif mode == "classify" then
      pos = pos + 1
      return reqs[(pos % #reqs) + 1]
   else
      pos = pos + 1
      local ref = refs[pos]
      if ref == nil then
         -- Out of referrals: stop, and send one request that cannot touch a referral.
         exhausted = exhausted + 1
         wrk.thread:stop()
         return wrk.format("GET", "/healthz")
      end
      local idem = uuid4()
      local body = '{"reviewer":' .. reviewer
         .. ',"narrative":"Reviewed slides and scans; see the recommended plan."'
         .. ',"picture":' .. pictures[ref[2]]
         .. ',"external_id":"load-' .. idem .. '"}'
      return wrk.format("POST", "/v1/referrals/" .. ref[1] .. "/second-opinions", {
         ["Content-Type"] = "application/json",
         ["Authorization"] = "Bearer " .. key,
         ["Idempotency-Key"] = idem,
      }, body)
   end
end

function done(summary, latency, requests)
   local exhausted_total = 0
   for _, thread in ipairs(threads) do
      exhausted_total = exhausted_total + (thread:get("exhausted") or 0)
   end
   local e = summary.errors
   io.write(string.format(
      "RESULT requests=%d duration_us=%d rps=%.1f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f mean_ms=%.3f "
         .. "status_errors=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d exhausted=%d\n",
      summary.requests, summary.duration, summary.requests / (summary.duration / 1e6),
      latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
      latency.max / 1000, latency.mean / 1000,
      e.status, e.connect, e.read, e.write, e.timeout, exhausted_total))
end
