#include "hub/broker/scripts.hpp"

namespace strata::hub::broker {

const redis::Script& publish_script() {
  static const redis::Script s(R"lua(
local e = redis.call('HGET', KEYS[2], 'e')
if not e then
  e = ARGV[5]
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'e', e, 'o', 0)
end
local o = redis.call('HINCRBY', KEYS[2], 'o', 1)
local size = tonumber(ARGV[3])
local ttl = tonumber(ARGV[4])
if size > 0 then
  redis.call('XADD', KEYS[1], 'MAXLEN', '=', size, o .. '-1', 'd', ARGV[1], 't', ARGV[2])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
end
local mttl = tonumber(ARGV[6])
if ttl > mttl then mttl = ttl end
if mttl > 0 then redis.call('PEXPIRE', KEYS[2], mttl) end
redis.call(ARGV[8], ARGV[7], 'p' .. o .. ':' .. e .. ':' .. ARGV[2] .. ':' .. ARGV[1])
return {o, e}
)lua");
  return s;
}

const redis::Script& read_script() {
  static const redis::Script s(R"lua(
local m = redis.call('HMGET', KEYS[2], 'o', 'e')
local o, e = m[1], m[2]
if not e then
  if ARGV[1] == '' then return {0, ''} end
  e = ARGV[1]
  o = 0
  redis.call('DEL', KEYS[1])
  redis.call('HSET', KEYS[2], 'o', 0, 'e', e)
  redis.call('PEXPIRE', KEYS[2], ARGV[2])
end
local out = {tonumber(o), e}
local entries = nil
if ARGV[6] == '1' then
  if ARGV[5] ~= '0' then
    entries = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', ARGV[5])
  else
    entries = redis.call('XREVRANGE', KEYS[1], '+', '-')
  end
elseif ARGV[3] ~= '0' then
  local to = '+'
  if ARGV[4] ~= '0' then to = ARGV[4] .. '-1' end
  if ARGV[5] ~= '0' then
    entries = redis.call('XRANGE', KEYS[1], ARGV[3] .. '-1', to, 'COUNT', ARGV[5])
  else
    entries = redis.call('XRANGE', KEYS[1], ARGV[3] .. '-1', to)
  end
end
if entries then
  for _, en in ipairs(entries) do
    local f = en[2]
    local d, t = '', '0'
    for i = 1, #f, 2 do
      if f[i] == 'd' then d = f[i + 1] elseif f[i] == 't' then t = f[i + 1] end
    end
    out[#out + 1] = en[1]
    out[#out + 1] = d
    out[#out + 1] = t
  end
end
return out
)lua");
  return s;
}

const redis::Script& presence_add_script() {
  static const redis::Script s(R"lua(
local t = redis.call('TIME')
local ttl = tonumber(ARGV[1])
local exp = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + ttl
for i = 2, #ARGV, 3 do
  if redis.call('HSET', KEYS[1], ARGV[i], ARGV[i + 1]) == 1 then
    redis.call('HINCRBY', KEYS[3], ARGV[i + 2], 1)
  end
  redis.call('ZADD', KEYS[2], exp, ARGV[i])
end
for k = 1, 3 do
  if redis.call('PTTL', KEYS[k]) < ttl then redis.call('PEXPIRE', KEYS[k], ttl) end
end
return 1
)lua");
  return s;
}

const redis::Script& presence_remove_script() {
  static const redis::Script s(R"lua(
if redis.call('HDEL', KEYS[1], ARGV[1]) == 1 then
  if redis.call('HINCRBY', KEYS[3], ARGV[2], -1) <= 0 then redis.call('HDEL', KEYS[3], ARGV[2]) end
end
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
)lua");
  return s;
}

const redis::Script& presence_get_script() {
  static const redis::Script s(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local gone = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, c in ipairs(gone) do
  local v = redis.call('HGET', KEYS[1], c)
  if v then
    redis.call('HDEL', KEYS[1], c)
    local colon = string.find(v, ':', 1, true)
    if colon then
      local n = tonumber(string.sub(v, 1, colon - 1)) or 0
      local u = string.sub(v, colon + 1, colon + n)
      if redis.call('HINCRBY', KEYS[3], u, -1) <= 0 then redis.call('HDEL', KEYS[3], u) end
    end
  end
  redis.call('ZREM', KEYS[2], c)
end
return {redis.call('HLEN', KEYS[3]), redis.call('HGETALL', KEYS[1])}
)lua");
  return s;
}

}  // namespace strata::hub::broker
