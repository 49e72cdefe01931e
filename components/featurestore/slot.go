package featurestore

// KeySlot is the Redis Cluster hash slot of key, 0..16383: CRC16 (XMODEM:
// polynomial 0x1021, initial value 0) of the key, or of its hash tag — the
// bytes between the first "{" and the next "}" when that is not empty —
// modulo 16384 (Redis Cluster specification, "Keys distribution model").
// Feast's entity keys are binary and may hold braces; the rule applies to
// them as Redis applies it.
func KeySlot(key string) uint16 {
	for i := 0; i < len(key); i++ {
		if key[i] == '{' {
			for j := i + 1; j < len(key); j++ {
				if key[j] == '}' {
					if j > i+1 {
						key = key[i+1 : j]
					}
					return crc16(key) & 16383
				}
			}
			break
		}
	}
	return crc16(key) & 16383
}

// crc16Table holds the CRC16 (XMODEM) of every byte value, so that
// crc16 takes one table step per key byte instead of eight shifts.
var crc16Table = func() (t [256]uint16) {
	for b := range t {
		crc := uint16(b) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
		t[b] = crc
	}
	return t
}()

func crc16(s string) uint16 {
	var crc uint16
	for i := 0; i < len(s); i++ {
		crc = crc<<8 ^ crc16Table[byte(crc>>8)^s[i]]
	}
	return crc
}
