-- wrk script: every request is a hop of the `at` dialect that answers a survey question
-- (language picked, then "yes" to L1), so every request is one committed row. Session ids are
-- unique per thread and request, so no hop is a retry. Set NAV=1 for navigation-only hops (the
-- first screen), which touch no database.
local counter = 0
next_tid = 0 -- global: thread:set() below gives each thread its own `tid`

function setup(thread)
  next_tid = next_tid + 1
  thread:set("tid", next_tid)
end

function init(args)
  prefix = string.format("b%d-%d-", os.time(), tid)
  nav = os.getenv("NAV") == "1"
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  counter = counter + 1
  local text = nav and "" or "3%2A1"
  local body = "sessionId=" .. prefix .. counter ..
    "&serviceCode=%2A1234%23&phoneNumber=%2B7701" .. string.format("%07d", counter % 10000000) ..
    "&networkCode=40101&text=" .. text
  return wrk.format(nil, "/ussd/at", nil, body)
end

function response(status, headers, body)
  if status ~= 200 or (string.sub(body, 1, 4) ~= "CON " and string.sub(body, 1, 4) ~= "END ") then
    errors_seen = (errors_seen or 0) + 1
  end
end
