package featurestore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
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
	// Client is a standalone client (*redis.Client) or a Redis Cluster
	// client (*redis.ClusterClient), as [ConnectOnlineStore] returns.
	Client redis.UniversalClient
	// Project is the Feast project name appended to every key.
	Project string
	// Retry bounds how often [OnlineStore.Write] sends a call again after
	// a transient error. Optional: defaults to 5 attempts from 250ms.
	Retry Retry
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
// travel in one pipeline of script calls of up to 128 entities each. On a
// Redis Cluster (a *redis.ClusterClient) the entities of one call are
// those one master serves, the call declares its first key so that
// go-redis routes it there, and the pipeline goes to each master in
// parallel; a call a node refuses (a slot moved since the client read the
// slot map) is sent again as calls of one hash slot each, declaring all
// their keys.
//
// Calls that fail with a transient error (connection refused or reset,
// timeout, LOADING, CLUSTERDOWN, TRYAGAIN, MASTERDOWN, NOSCRIPT after a
// restart) are sent again as s.Retry says; a call applied whose answer was
// lost then counts its entities as Stale.
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
	// Encode every row first: a bad row sends nothing.
	keys := make([]string, len(rows))
	vals := make([][]any, len(rows))
	buf := make([]byte, 0, 64)
	for i, r := range rows {
		if len(r.Values) != len(view.Features) {
			return res, fmt.Errorf("online store write %q: row %d has %d values for %d features", view.Name, i, len(r.Values), len(view.Features))
		}
		key, err := RedisKey(s.Project, view.JoinKeys, r.JoinValues)
		if err != nil {
			return res, fmt.Errorf("online store write %q: row %d: %w", view.Name, i, err)
		}
		keys[i] = string(key)
		v := make([]any, 0, 1+len(r.Values))
		v = append(v, string(EncodeTimestamp(r.EventTimestamp)))
		for j, x := range r.Values {
			buf, err = AppendValue(buf[:0], x)
			if err != nil {
				return res, fmt.Errorf("online store write %q: row %d feature %q: %w", view.Name, i, view.Features[j], err)
			}
			v = append(v, string(buf))
		}
		vals[i] = v
	}
	cc, cluster := s.Client.(*redis.ClusterClient)
	var calls []call
	if cluster {
		calls = clusterCalls(ctx, cc, keys)
	} else {
		for start := 0; start < len(rows); start += entitiesPerCall {
			calls = append(calls, call{idx: seq(start, min(start+entitiesPerCall, len(rows))), slot: -1})
		}
	}
	if len(calls) == 0 {
		return res, nil
	}
	pending := seq(0, len(calls))
	r := s.Retry.withDefaults()
	wait := r.Backoff
	var args []any
	for attempt := 1; ; attempt++ {
		pipe := s.Client.Pipeline()
		cmds := make([]*redis.Cmd, len(pending))
		for i, ci := range pending {
			c := calls[ci]
			args = append(args[:0], head...)
			for _, e := range c.idx {
				args = append(args, keys[e])
				args = append(args, vals[e]...)
			}
			declared := keys[c.idx[0] : c.idx[0]+1]
			if c.slot >= 0 {
				declared = make([]string, len(c.idx))
				for j, e := range c.idx {
					declared[j] = keys[e]
				}
			}
			cmds[i] = writeLua.EvalSha(ctx, pipe, declared, args...)
		}
		_, _ = pipe.Exec(ctx)
		var failed []int
		var lastErr error
		noScript, backoff := false, false
		for i, c := range cmds {
			ci := pending[i]
			n, err := c.Int()
			if err == nil {
				res.Written += n
				res.Stale += len(calls[ci].idx) - n
				continue
			}
			lastErr = err
			switch {
			case redis.HasErrorPrefix(err, "NOSCRIPT"):
				noScript = true
			case cluster && calls[ci].slot < 0:
				// A node refused a call whose keys span several slots (a
				// slot moved, or the server wants every key declared):
				// its entities go again one slot per call, each legal
				// anywhere. Entities it wrote before failing count as Stale.
				backoff = backoff || transient(err)
				for _, part := range slotCalls(keys, calls[ci].idx) {
					failed = append(failed, len(calls))
					calls = append(calls, part)
				}
				cc.ReloadState(ctx)
				continue
			case !transient(err):
				return res, fmt.Errorf("online store write %q: %w", view.Name, err)
			default:
				backoff = true
			}
			failed = append(failed, ci)
		}
		if len(failed) == 0 {
			return res, nil
		}
		if ctx.Err() != nil {
			return res, fmt.Errorf("online store write %q: %w (last error: %v)", view.Name, ctx.Err(), lastErr)
		}
		if attempt >= r.Attempts {
			return res, fmt.Errorf("online store write %q: %d of %d script calls failed, gave up after %d attempts: %w", view.Name, len(failed), len(calls), attempt, lastErr)
		}
		if noScript {
			// A restarted server has an empty script cache.
			if err := writeLua.Load(ctx, s.Client).Err(); err != nil && !transient(err) {
				return res, fmt.Errorf("online store write %q: load script: %w", view.Name, err)
			}
		}
		if backoff {
			select {
			case <-ctx.Done():
				return res, fmt.Errorf("online store write %q: %w (last error: %v)", view.Name, ctx.Err(), lastErr)
			case <-time.After(wait):
			}
			wait = min(wait*2, 5*time.Second)
		}
		pending = failed
	}
}

// call is one script call of [OnlineStore.Write]: the indices of its
// entities, and the hash slot they share or -1.
type call struct {
	idx  []int
	slot int
}

// seq returns from, from+1, ..., to-1.
func seq(from, to int) []int {
	s := make([]int, to-from)
	for i := range s {
		s[i] = from + i
	}
	return s
}

// clusterCalls groups the entities of keys by the master serving their
// hash slot, in calls of up to entitiesPerCall entities that declare only
// their first key: the call goes to that key's master, and the script
// writes every other key there too. A Redis Cluster node runs a script
// without a shebang in compatibility mode, where it may touch any key the
// node serves, declared or not (Redis 7.0 checks only that each key is
// local; 7.2 and later also set SCRIPT_ALLOW_CROSS_SLOT for such scripts,
// src/script.c). Grouping per slot instead would make nearly one call per
// entity: a 2048-entity batch spans about 1900 of the 16384 slots. When
// the slot map is not known yet, the calls are grouped per slot.
func clusterCalls(ctx context.Context, cc *redis.ClusterClient, keys []string) []call {
	masters := map[uint16]*redis.Client{}
	groups := map[*redis.Client][]int{}
	var order []*redis.Client
	for i, k := range keys {
		sl := KeySlot(k)
		m, ok := masters[sl]
		if !ok {
			var err error
			if m, err = cc.MasterForKey(ctx, k); err != nil {
				return slotCalls(keys, seq(0, len(keys)))
			}
			masters[sl] = m
		}
		if _, ok := groups[m]; !ok {
			order = append(order, m)
		}
		groups[m] = append(groups[m], i)
	}
	return chunkCalls(order, groups, func(*redis.Client) int { return -1 })
}

// chunkCalls cuts each group, in order, into calls of up to
// entitiesPerCall entities; slot gives each call's hash slot (-1 for
// entities of several slots that one master serves).
func chunkCalls[K comparable](order []K, groups map[K][]int, slot func(K) int) []call {
	var calls []call
	for _, k := range order {
		g := groups[k]
		for start := 0; start < len(g); start += entitiesPerCall {
			calls = append(calls, call{idx: g[start:min(start+entitiesPerCall, len(g))], slot: slot(k)})
		}
	}
	return calls
}

// slotCalls groups the entities idx of keys per hash slot, in first-seen
// order and calls of up to entitiesPerCall entities that declare all
// their keys: legal on any Redis Cluster node.
func slotCalls(keys []string, idx []int) []call {
	groups := map[uint16][]int{}
	var order []uint16
	for _, i := range idx {
		sl := KeySlot(keys[i])
		if _, ok := groups[sl]; !ok {
			order = append(order, sl)
		}
		groups[sl] = append(groups[sl], i)
	}
	return chunkCalls(order, groups, func(sl uint16) int { return int(sl) })
}

// transient reports a Redis error that sending the same call again may
// cure: the server unreachable, restarting or failing over.
func transient(err error) bool {
	if redis.IsLoadingError(err) || redis.IsClusterDownError(err) || redis.IsTryAgainError(err) ||
		redis.IsMasterDownError(err) || redis.HasErrorPrefix(err, "NOSCRIPT") {
		return true
	}
	if _, ok := redis.IsMovedError(err); ok {
		return true
	}
	if _, ok := redis.IsAskError(err); ok {
		return true
	}
	var ne net.Error
	if errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	return strings.Contains(err.Error(), "connection refused")
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
