-- POST /api/platform/intents with a fresh reference_id per request, so every request creates a new
-- intent; with a fresh Idempotency-Key too when IDEMPOTENCY is set: 1 = the reference itself (keys of
-- one wrk thread sort next to each other, like a merchant's own order numbers), uuid = a random
-- version-4 UUID per request (what most clients send: each lands anywhere in the key index).
local threads = {}
local counter = 0

local idempotency = os.getenv("IDEMPOTENCY") or ""

function setup(thread)
  thread:set("thread_id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  math.randomseed(os.time() + (thread_id or 0))
  -- WRK_ID tells apart two wrk processes started in the same second (two instances loaded at once).
  run_id = tostring(os.time()) .. "-" .. (os.getenv("WRK_ID") or "") .. tostring(math.random(1, 1e9))
end

function request()
  counter = counter + 1
  local ref = "bench-" .. run_id .. "-" .. thread_id .. "-" .. counter
  local body = '{"amount":80,"currency":"USD","intent_type":"one_time","email":"customer@example.com",' ..
    '"name":"John Doe","reference_id":"' .. ref .. '","success_url":"https://example.com/success",' ..
    '"cancel_url":"https://example.com/cancel","order_items":[{"name":"Product 1","quantity":1,"price":50},' ..
    '{"name":"Product 2","quantity":2,"price":15}],"metadata":{"order_id":"' .. ref .. '"}}'
  local headers = {
    ["Content-Type"] = "application/json",
    ["X-Client-ID"] = "pk_test_bench",
    ["X-Client-Secret"] = "sk_test_bench_secret",
  }
  if idempotency == "1" then headers["Idempotency-Key"] = ref
  elseif idempotency == "uuid" then
    headers["Idempotency-Key"] = string.format("%08x-%04x-4%03x-%04x-%04x%08x", math.random(0, 0xffffffff), math.random(0, 0xffff),
      math.random(0, 0xfff), math.random(0x8000, 0xbfff), math.random(0, 0xffff), math.random(0, 0xffffffff))
  end
  return wrk.format("POST", nil, headers, body)
end
