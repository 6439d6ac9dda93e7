-- wrk script: every request is the hop of a new `at` session (unique session id and number per
-- request, so no hop is a retry and no caller is known). Each new session reads the caller's
-- profile from PostgreSQL once. Default: the hop that answers the region question (path
-- language, survey, mother, region 1), so it also commits one answer before its reply.
-- NAV=1: the first hop of a session (the language menu), which only reads the profile.
local counter = 0
next_tid = 0 -- global: thread:set() below gives each thread its own `tid`

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

function init(args)
  prefix = string.format("b%d-%d-", os.time(), tid)
  -- The number must be new too: a known caller skips the language menu and the path would
  -- mean something else (and a repeated caller's END tip would count as a success). +7 70X (a
  -- mobile operator code, X from the run number bench/ussd_at.sh keeps in var/), one more digit
  -- of the run (runs share no number until 90 runs later), the thread, 5 digits of the counter.
  local run = tonumber(os.getenv("RUN") or "0")
  phone_prefix = string.format("%%2B770%d%d%d", run % 9, math.floor(run / 9) % 10, tid)
  nav = os.getenv("NAV") == "1"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  local text = nav and "" or "3%2A1%2A1%2A1"
  local body = "sessionId=" .. prefix .. counter ..
    "&serviceCode=%2A1234%23&phoneNumber=" .. phone_prefix .. string.format("%05d", counter % 100000) ..
    "&networkCode=40101&text=" .. text
  return wrk.format(nil, "/ussd/at", nil, body)
end

function response(status, headers, body)
  if status ~= 200 or (string.sub(body, 1, 4) ~= "CON " and string.sub(body, 1, 4) ~= "END ") then
    errors_seen = (errors_seen or 0) + 1
  end
end
