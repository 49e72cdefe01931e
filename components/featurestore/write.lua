-- Writes the latest features of many entities of one feature view, in
-- Feast's Redis online store layout, never replacing a newer event time.
--
-- KEYS      the keys the call declares: all of them when they share one
--           hash slot, else the first only, which routes the call to the
--           node serving every key (see OnlineStore.Write)
-- ARGV[1]   timestamp field "_ts:<feature_view>"
-- ARGV[2]   TTL in seconds, "0" for none
-- ARGV[3]   n, the number of features
-- ARGV[4 .. 3+n]  feature fields (murmur3 of "<view>:<feature>")
-- then per entity: its hash key (serialized entity key .. project), a
-- serialized google.protobuf.Timestamp, n serialized feast.types.Value.
-- Returns the number of entities written.

-- varint decodes a protobuf varint at pos as a signed 64-bit integer split
-- into a signed high and an unsigned low 32-bit half, exact in Lua doubles.
local function varint(s, pos)
  local lo, hi, shift = 0, 0, 0
  while pos <= #s do
    local b = string.byte(s, pos)
    pos = pos + 1
    local v = b % 128
    if shift + 7 <= 32 then
      lo = lo + v * 2 ^ shift
    elseif shift < 32 then
      local low_bits = 32 - shift
      lo = lo + (v % 2 ^ low_bits) * 2 ^ shift
      hi = hi + math.floor(v / 2 ^ low_bits)
    else
      hi = hi + v * 2 ^ (shift - 32)
    end
    shift = shift + 7
    if b < 128 then break end
  end
  hi = hi % 2 ^ 32
  if hi >= 2 ^ 31 then hi = hi - 2 ^ 32 end
  return hi, lo, pos
end

-- ts decodes a google.protobuf.Timestamp into (seconds hi, seconds lo, nanos).
local function ts(s)
  local shi, slo, nanos, pos = 0, 0, 0, 1
  if not s then return 0, 0, 0 end
  while pos <= #s do
    local tag = string.byte(s, pos)
    pos = pos + 1
    local h, l
    h, l, pos = varint(s, pos)
    if tag == 8 then
      shi, slo = h, l
    elseif tag == 16 then
      nanos = l
    else
      return 0, 0, 0
    end
  end
  return shi, slo, nanos
end

local function later(ahi, alo, an, bhi, blo, bn)
  if ahi ~= bhi then return ahi > bhi end
  if alo ~= blo then return alo > blo end
  return an > bn
end

local tsfield = ARGV[1]
local ttl = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local written = 0
local args = {tsfield, false}
for j = 1, n do
  args[2 * j + 1] = ARGV[3 + j]
end
for at = 4 + n, #ARGV, n + 2 do
  local key = ARGV[at]
  local newts = ARGV[at + 1]
  local old = redis.call('HGET', key, tsfield)
  local skip = false
  if old and old ~= '' then
    local ohi, olo, on = ts(old)
    local nhi, nlo, nn = ts(newts)
    if (ohi ~= 0 or olo ~= 0 or on ~= 0) and not later(nhi, nlo, nn, ohi, olo, on) then
      skip = true
    end
  end
  if not skip then
    args[2] = newts
    for j = 1, n do
      args[2 * j + 2] = ARGV[at + 1 + j]
    end
    redis.call('HSET', key, unpack(args))
    if ttl > 0 then redis.call('EXPIRE', key, ttl) end
    written = written + 1
  end
end
return written
