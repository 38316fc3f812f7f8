-- wrk script for the storefront benchmark (bench/run.sh runs wrk with -t C -c C, so every
-- thread has exactly one connection and this per-thread state is per-connection state).
--
-- Environment:
--   BENCH_COOKIES  file with one Cookie header value per line; thread i uses line i
--   BENCH_MODE     account       GET /account
--                  launch        POST /api/launch_authenticator_settings (intent=Enroll), the
--                                same session over and over: after the first call each one is
--                                a repeat within 30 s, answered from the session (no upstream)
--                  launch-fresh  alternates launch_authenticator_settings and remove_authenticator
--                                (a launch of the challenge before a removal, not yet verified) on the connection's session, so every call is a new launch
--                                that tracks upstream (the launch path a real click takes)
--                  page          GET BENCH_PATH (the cookie line may be empty: signed out)
--                  mixed         the soak (bench/soak.sh): three /account views, then a fresh
--                                launch and a removal launch, over and over
--
-- A request counts as failed if its status is not 200, if an /account page shows the
-- "temporarily unavailable" security section, or if a launch did not answer a URL.
-- done() prints one line: BENCH_JSON {...}

local mode = os.getenv("BENCH_MODE") or "account"
local cookie_file = os.getenv("BENCH_COOKIES")

local threads = {}
local next_slot = 0

function setup(thread)
  thread:set("slot", next_slot)
  next_slot = next_slot + 1
  table.insert(threads, thread)
end

local requests_by_turn = {}
local turn = 0
bad = 0
degraded = 0

function init(args)
  local cookie = nil
  local i = 0
  for line in io.lines(cookie_file) do
    if i == slot then
      cookie = line
    end
    i = i + 1
  end
  if cookie == nil then
    error("no cookie for connection " .. slot .. " in " .. cookie_file)
  end
  -- what a browser sends with a same-origin form post (the storefront refuses cross-site writes)
  local origin = "http://" .. wrk.host .. ":" .. wrk.port
  local form = {
    ["Cookie"] = cookie,
    ["Origin"] = origin,
    ["Sec-Fetch-Site"] = "same-origin",
    ["Accept"] = "application/json",
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["User-Agent"] = "storefront-bench",
  }
  if mode == "account" then
    requests_by_turn[0] = wrk.format("GET", "/account", {
      ["Cookie"] = cookie,
      ["Accept"] = "text/html",
      ["User-Agent"] = "storefront-bench",
    })
    requests_by_turn[1] = requests_by_turn[0]
  elseif mode == "page" then
    local headers = { ["Accept"] = "text/html", ["User-Agent"] = "storefront-bench" }
    if cookie ~= "" then
      headers["Cookie"] = cookie
    end
    requests_by_turn[0] = wrk.format("GET", os.getenv("BENCH_PATH") or "/", headers)
    requests_by_turn[1] = requests_by_turn[0]
  elseif mode == "launch" then
    requests_by_turn[0] = wrk.format("POST", "/api/launch_authenticator_settings", form, "intent=Enroll")
    requests_by_turn[1] = requests_by_turn[0]
  elseif mode == "launch-fresh" then
    requests_by_turn[0] = wrk.format("POST", "/api/launch_authenticator_settings", form, "intent=Enroll")
    requests_by_turn[1] = wrk.format("POST", "/api/remove_authenticator", form, "authenticator_id=bench-none")
  elseif mode == "mixed" then
    local view = wrk.format("GET", "/account", {
      ["Cookie"] = cookie,
      ["Accept"] = "text/html",
      ["User-Agent"] = "storefront-bench",
    })
    requests_by_turn = {
      [0] = view, [1] = view, [2] = view,
      [3] = wrk.format("POST", "/api/launch_authenticator_settings", form, "intent=Enroll"),
      [4] = wrk.format("POST", "/api/remove_authenticator", form, "authenticator_id=bench-none"),
    }
  else
    error("unknown BENCH_MODE " .. mode)
  end
end

local last_turn = 0

function request()
  local r = requests_by_turn[turn]
  last_turn = turn
  if mode == "mixed" then
    turn = (turn + 1) % 5
  else
    turn = 1 - turn
  end
  return r
end

function response(status, headers, body)
  local is_view = mode == "account" or (mode == "mixed" and last_turn < 3)
  if status ~= 200 then
    bad = bad + 1
  elseif mode == "page" then
    return
  elseif is_view then
    if body:find("temporarily unavailable", 1, true) then
      degraded = degraded + 1
    end
  elseif body:sub(1, 5) ~= '"http' then
    -- a launch that could not track answers "/account" with a notice instead of a URL
    degraded = degraded + 1
  end
end

function done(summary, latency, requests)
  local non200, deg = 0, 0
  for _, t in ipairs(threads) do
    non200 = non200 + (t:get("bad") or 0)
    deg = deg + (t:get("degraded") or 0)
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,"read_errors":%d,'
      .. '"write_errors":%d,"status_errors":%d,"timeouts":%d,"non200":%d,"degraded":%d,'
      .. '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, non200, deg, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, latency.mean))
end
