package materialize

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
)

// feastRepo describes the Feast feature repository that serves what a run
// with cfg (defaults applied) writes: the project, one entity per join key
// and a feature view typed from the source table's column types, the
// online store settings of cfg.Redis and the offline store of the pool.
func feastRepo(ctx context.Context, pool *pgxpool.Pool, cfg Config) (fs.FeastRepo, error) {
	cols, err := fs.TableColumns(ctx, pool, cfg.View.Source)
	if err != nil {
		return fs.FeastRepo{}, err
	}
	types := map[string]fs.Type{fs.ColumnEntityKey: fs.TypeString}
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	if err := checkEventTimestamp(ctx, pool, cfg.View); err != nil {
		return fs.FeastRepo{}, err
	}
	v := fs.FeastView{Name: cfg.View.Name, Table: cfg.View.Source, TimestampField: cfg.View.EventTimestamp, TTL: cfg.View.TTL}
	for _, e := range cfg.View.Entities {
		ct, ok := types[e]
		if !ok {
			return fs.FeastRepo{}, fmt.Errorf("entity column %q does not exist in %s: name a column of the table in entities", e, cfg.View.Source)
		}
		t, err := fs.FeastEntityType(ct)
		if err != nil {
			return fs.FeastRepo{}, fmt.Errorf("entity column %q of %s: %w (Feast entity keys must be text, bigint or integer)", e, cfg.View.Source, err)
		}
		v.Entities = append(v.Entities, fs.FeastField{Name: e, Type: t})
	}
	for _, f := range cfg.View.Features {
		ct, ok := types[f]
		if !ok {
			return fs.FeastRepo{}, fmt.Errorf("feature column %q does not exist in %s: name a column of the table in features", f, cfg.View.Source)
		}
		t, err := fs.FeastFeatureType(ct)
		if err != nil {
			return fs.FeastRepo{}, fmt.Errorf("feature column %q of %s: %w", f, cfg.View.Source, err)
		}
		v.Features = append(v.Features, fs.FeastField{Name: f, Type: t})
	}
	online, err := fs.FeastOnlineStoreOf(cfg.Redis)
	if err != nil {
		return fs.FeastRepo{}, err
	}
	online.KeyTTL = cfg.KeyTTL
	cc := pool.Config().ConnConfig
	offline := fs.FeastOfflineStore{Host: cc.Host, Port: int(cc.Port), Database: cc.Database, User: cc.User}
	if cc.Password != "" {
		offline.PasswordEnv = fs.EnvFeastPostgresPassword
	}
	if cc.TLSConfig == nil {
		offline.SSLMode = "disable"
	}
	repo := fs.FeastRepo{Project: cfg.Project, Views: []fs.FeastView{v}, Online: online, Offline: offline}
	if err := repo.Validate(); err != nil {
		return repo, err
	}
	return repo, nil
}

// checkEventTimestamp reports an event timestamp column that v.Source
// lacks or that is not a timestamp (Feast's timestamp_field, and the
// column materialize-features compares with the window bounds).
// [fs.TableColumns] leaves the standard event_timestamp column out, so the
// type is read from pg_attribute here.
func checkEventTimestamp(ctx context.Context, pool *pgxpool.Pool, v FeatureView) error {
	id, err := fs.ParseTableName(v.Source)
	if err != nil {
		return err
	}
	var ct string
	err = pool.QueryRow(ctx, `SELECT format_type(a.atttypid, a.atttypmod) FROM pg_attribute a
WHERE a.attrelid = $1::regclass AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped`, id.Sanitize(), v.EventTimestamp).Scan(&ct)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("event timestamp column %q does not exist in %s: name a timestamptz column of the table", v.EventTimestamp, v.Source)
	case err != nil:
		return fmt.Errorf("offline store: event timestamp column %q of %s: %w", v.EventTimestamp, v.Source, err)
	case !isTimestamp(fs.Type(ct)):
		return fmt.Errorf("event timestamp column %q of %s is %s, not a timestamp: name a timestamptz (or timestamp) column", v.EventTimestamp, v.Source, ct)
	}
	return nil
}

// isTimestamp reports whether t is a PostgreSQL timestamp type, as
// [fs.TableColumns] names it.
func isTimestamp(t fs.Type) bool {
	switch strings.ToLower(string(t)) {
	case "timestamp with time zone", "timestamptz", "timestamp without time zone", "timestamp":
		return true
	}
	return false
}

// feastRepoErr prefixes err with "feast repo: " unless it already is.
func feastRepoErr(err error) error {
	if strings.HasPrefix(err.Error(), "feast repo: ") {
		return err
	}
	return fmt.Errorf("feast repo: %w", err)
}

// FeastRepoOf describes the Feast feature repository that serves what a
// run with cfg writes (or wrote), without writing anything: the same
// repository Run returns, from the source table's column types in
// PostgreSQL (cfg.DSN, else $KFPGO_POSTGRES_DSN) and the online store
// settings of cfg.Redis. Passwords appear only as variable names.
//
// Errors, each prefixed "feast repo: " and naming what to fix: a bad
// config (checked before connecting), PostgreSQL unreachable, a missing or
// mistyped column, or no Redis URL.
func FeastRepoOf(ctx context.Context, cfg Config) (fs.FeastRepo, error) {
	cfg = cfg.withDefaults(time.Now().UTC())
	if err := cfg.validate(); err != nil {
		return fs.FeastRepo{}, feastRepoErr(err)
	}
	pool, err := fs.ConnectPostgres(ctx, cfg.DSN, cfg.Retry)
	if err != nil {
		return fs.FeastRepo{}, feastRepoErr(err)
	}
	defer pool.Close()
	repo, err := feastRepo(ctx, pool, cfg)
	if err != nil {
		return repo, feastRepoErr(err)
	}
	return repo, nil
}
