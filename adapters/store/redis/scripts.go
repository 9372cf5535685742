package redis

import goredis "github.com/redis/go-redis/v9"

// luaHelpers is prepended to every script. Times reach scripts as stamps
// (see stamp) and are compared as strings; TTLs as milliseconds, "0" for
// none.
const luaHelpers = `
local function expire(k, ttl)
  if ttl == '0' then redis.call('PERSIST', k) else redis.call('PEXPIRE', k, ttl) end
end

-- index_add puts member into the sorted-set index idx and keeps the index at
-- least as long as that member's record.
local function index_add(idx, member, ttl)
  local existed = redis.call('EXISTS', idx) == 1
  redis.call('ZADD', idx, 0, member)
  if ttl == '0' then redis.call('PERSIST', idx) return end
  local cur = redis.call('PTTL', idx)
  if not existed or (cur >= 0 and cur < tonumber(ttl)) then
    redis.call('PEXPIRE', idx, ttl)
  end
end

-- index_purge drops members whose stamp is at or before purge: expired for
-- every caller that may still be running.
local function index_purge(idx, purge)
  redis.call('ZREMRANGEBYLEX', idx, '-', '(' .. purge .. '~')
end

-- live_from is the lex bound above every member expired at now: members are
-- stamp .. '|' .. id, and '~' sorts after '|'.
local function live_from(now) return '(' .. now .. '~' end

local function id_of(member) return string.sub(member, string.find(member, '|', 1, true) + 1) end
`

func script(body string) *goredis.Script { return goredis.NewScript(luaHelpers + body) }

// createRecordScript stores a hash record unless its key exists.
// KEYS: record. ARGV: ttl, then field/value pairs. Returns 1, or 0 if taken.
var createRecordScript = script(`
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV, 2))
expire(KEYS[1], ARGV[1])
return 1
`)

// listIndexedScript returns the records an index holds as live at now, as
// one flat list of the requested fields per record ("" where a field is
// absent), skipping records already gone.
// KEYS: index. ARGV: now, purge stamp, record key prefix, field names.
var listIndexedScript = script(`
index_purge(KEYS[1], ARGV[2])
local names = {unpack(ARGV, 4)}
local out = {}
for _, m in ipairs(redis.call('ZRANGEBYLEX', KEYS[1], live_from(ARGV[1]), '+')) do
  local k = ARGV[3] .. id_of(m)
  if redis.call('EXISTS', k) == 1 then
    local v = redis.call('HMGET', k, unpack(names))
    for i = 1, #names do out[#out + 1] = v[i] or '' end
  end
end
return out
`)
