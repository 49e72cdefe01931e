package featurestore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// FeatureView names what is stored per entity in the online store, in
// Feast's terms: a feature view with its entities' join keys and features.
type FeatureView struct {
	// Name is the feature view name, part of every hash field name.
	Name string `json:"name"`
	// JoinKeys are the entity join key names (for the offline store
	// contract: []string{"entity_key"}).
	JoinKeys []string `json:"join_keys"`
	// Features are the feature names, in the order of [EntityRow.Values]
	// and [FeatureRow.Values].
	Features []string `json:"features"`
}

// Validate reports an empty name, no join keys, or an empty or duplicate
// feature name.
func (v FeatureView) Validate() error {
	if v.Name == "" {
		return errors.New("feature view: empty name")
	}
	if len(v.JoinKeys) == 0 {
		return fmt.Errorf("feature view %q: no join keys", v.Name)
	}
	seen := map[string]bool{}
	for _, f := range v.Features {
		if f == "" || seen[f] {
			return fmt.Errorf("feature view %q: feature name %q is empty or repeated", v.Name, f)
		}
		seen[f] = true
	}
	return nil
}

// OnlineStore reads and writes feature views in Redis with the layout of
// Feast's Redis online store (see the package doc).
type OnlineStore struct {
	// Client is a standalone Redis client (redis.NewClient). Writes batch
	// several entities per script call, which Redis Cluster refuses unless
	// all keys share a slot.
	Client redis.UniversalClient
	// Project is the Feast project name appended to every key.
	Project string
}

// FeatureRow is one entity's features as read by [OnlineStore.Get].
type FeatureRow struct {
	// Found is false when the entity has no hash or no value of this view.
	Found bool
	// EventTimestamp is the stored _ts:<view> time (UTC).
	EventTimestamp time.Time
	// Values holds the features in FeatureView.Features order, as decoded by
	// [DecodeValue]; nil where a feature is missing or empty.
	Values []any
}

// Get reads the features of view for each entity; entityKeys[i] holds one
// value per view.JoinKeys entry (string, []byte, int32, int64 or time.Time).
// The result has one row per entity, in order. All reads go in one
// pipeline of HMGET commands.
//
// Errors: an invalid view or entity key, a Redis error, or a stored value
// that is not a Feast Value or Timestamp.
func (s *OnlineStore) Get(ctx context.Context, view FeatureView, entityKeys [][]any) ([]FeatureRow, error) {
	if err := view.Validate(); err != nil {
		return nil, err
	}
	fields := make([]string, 0, len(view.Features)+1)
	for _, f := range view.Features {
		fields = append(fields, FeatureField(view.Name, f))
	}
	fields = append(fields, TimestampField(view.Name))
	pipe := s.Client.Pipeline()
	cmds := make([]*redis.SliceCmd, len(entityKeys))
	for i, ek := range entityKeys {
		key, err := RedisKey(s.Project, view.JoinKeys, ek)
		if err != nil {
			return nil, fmt.Errorf("online store get %q: entity %d: %w", view.Name, i, err)
		}
		cmds[i] = pipe.HMGet(ctx, string(key), fields...)
	}
	if len(entityKeys) > 0 {
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, fmt.Errorf("online store get %q: %w", view.Name, err)
		}
	}
	out := make([]FeatureRow, len(entityKeys))
	for i, c := range cmds {
		vals := c.Val()
		row := FeatureRow{Values: make([]any, len(view.Features))}
		if ts, ok := vals[len(vals)-1].(string); ok {
			t, err := DecodeTimestamp([]byte(ts))
			if err != nil {
				return nil, fmt.Errorf("online store get %q: entity %d: %w", view.Name, i, err)
			}
			row.Found, row.EventTimestamp = true, t
		}
		for j := range view.Features {
			if s, ok := vals[j].(string); ok {
				v, err := DecodeValue([]byte(s))
				if err != nil {
					return nil, fmt.Errorf("online store get %q: entity %d feature %q: %w", view.Name, i, view.Features[j], err)
				}
				row.Values[j] = v
			}
		}
		out[i] = row
	}
	return out, nil
}

// EntityRow is one entity's latest features to write.
type EntityRow struct {
	// JoinValues holds one value per FeatureView.JoinKeys entry.
	JoinValues []any
	// EventTimestamp is the row's event time; an older or equal time than
	// the one stored leaves the stored features alone.
	EventTimestamp time.Time
	// Values holds the features in FeatureView.Features order, in the Go
	// types [EncodeValue] accepts.
	Values []any
}

// writeScript writes many entities of one feature view in one call.
//
//go:embed write.lua
var writeScript string

var writeLua = redis.NewScript(writeScript)

// entitiesPerCall is how many entities one script call carries.
const entitiesPerCall = 128

// WriteResult counts the outcome of [OnlineStore.Write].
type WriteResult struct {
	// Written is the number of entities whose hash was updated.
	Written int
	// Stale is the number of entities skipped because the stored event
	// time is newer than or equal to the row's.
	Stale int
}

// Write stores rows for view, never replacing a newer value with an older
// one: a Lua script compares each entity's stored _ts:<view> with the
// row's event time and updates the feature fields and _ts together, or
// skips the entity, atomically (Feast's rule: skip when the stored time is
// set and the new time is not later). When ttl > 0 every written hash gets
// EXPIRE ttl (Feast's key_ttl_seconds, rounded up to seconds). The rows
// travel in one pipeline of script calls of up to 128 entities each.
//
// Errors: an invalid view, a bad entity key or feature value (nothing is
// sent then), or a Redis error (some calls may have been applied; writing
// the same rows again is safe).
func (s *OnlineStore) Write(ctx context.Context, view FeatureView, rows []EntityRow, ttl time.Duration) (WriteResult, error) {
	var res WriteResult
	if err := view.Validate(); err != nil {
		return res, err
	}
	ttlSec := int64(0)
	if ttl > 0 {
		ttlSec = int64((ttl + time.Second - 1) / time.Second)
	}
	head := make([]any, 0, 3+len(view.Features))
	head = append(head, TimestampField(view.Name), strconv.FormatInt(ttlSec, 10), strconv.Itoa(len(view.Features)))
	for _, f := range view.Features {
		head = append(head, FeatureField(view.Name, f))
	}
	type call struct {
		keys []string
		args []any
	}
	var calls []call
	buf := make([]byte, 0, 64)
	for start := 0; start < len(rows); start += entitiesPerCall {
		end := min(start+entitiesPerCall, len(rows))
		c := call{keys: make([]string, 0, end-start), args: make([]any, 0, len(head)+(end-start)*(1+len(view.Features)))}
		c.args = append(c.args, head...)
		for i := start; i < end; i++ {
			r := rows[i]
			if len(r.Values) != len(view.Features) {
				return res, fmt.Errorf("online store write %q: row %d has %d values for %d features", view.Name, i, len(r.Values), len(view.Features))
			}
			key, err := RedisKey(s.Project, view.JoinKeys, r.JoinValues)
			if err != nil {
				return res, fmt.Errorf("online store write %q: row %d: %w", view.Name, i, err)
			}
			c.keys = append(c.keys, string(key))
			c.args = append(c.args, string(EncodeTimestamp(r.EventTimestamp)))
			for j, v := range r.Values {
				buf, err = AppendValue(buf[:0], v)
				if err != nil {
					return res, fmt.Errorf("online store write %q: row %d feature %q: %w", view.Name, i, view.Features[j], err)
				}
				c.args = append(c.args, string(buf))
			}
		}
		calls = append(calls, c)
	}
	if len(calls) == 0 {
		return res, nil
	}
	run := func() ([]*redis.Cmd, error) {
		pipe := s.Client.Pipeline()
		cmds := make([]*redis.Cmd, len(calls))
		for i, c := range calls {
			cmds[i] = writeLua.EvalSha(ctx, pipe, c.keys, c.args...)
		}
		_, err := pipe.Exec(ctx)
		return cmds, err
	}
	cmds, err := run()
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		if err := writeLua.Load(ctx, s.Client).Err(); err != nil {
			return res, fmt.Errorf("online store write %q: load script: %w", view.Name, err)
		}
		cmds, err = run()
	}
	if err != nil {
		return res, fmt.Errorf("online store write %q: %w", view.Name, err)
	}
	for i, c := range cmds {
		n, err := c.Int()
		if err != nil {
			return res, fmt.Errorf("online store write %q: script reply: %w", view.Name, err)
		}
		res.Written += n
		res.Stale += len(calls[i].keys) - n
	}
	return res, nil
}

// LoadScripts loads the write script into Redis's script cache, so that
// the first [OnlineStore.Write] needs no retry. It also checks that the
// server is reachable.
func (s *OnlineStore) LoadScripts(ctx context.Context) error {
	if err := writeLua.Load(ctx, s.Client).Err(); err != nil {
		return fmt.Errorf("online store: load write script: %w", err)
	}
	return nil
}
