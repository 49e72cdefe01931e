package materialize

import (
	"context"
	"fmt"
	"time"

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
		return fs.FeastRepo{}, fmt.Errorf("materialize: feast repo: %w", err)
	}
	types := map[string]fs.Type{fs.ColumnEntityKey: fs.TypeString}
	for _, c := range cols {
		types[c.Name] = c.Type
	}
	v := fs.FeastView{Name: cfg.View.Name, Table: cfg.View.Source, TimestampField: cfg.View.EventTimestamp, TTL: cfg.View.TTL}
	for _, e := range cfg.View.Entities {
		ct, ok := types[e]
		if !ok {
			return fs.FeastRepo{}, fmt.Errorf("materialize: entity column %q does not exist in %s: name a column of the table in entities", e, cfg.View.Source)
		}
		t, err := fs.FeastEntityType(ct)
		if err != nil {
			return fs.FeastRepo{}, fmt.Errorf("materialize: entity column %q of %s: %w (Feast entity keys must be text, bigint or integer)", e, cfg.View.Source, err)
		}
		v.Entities = append(v.Entities, fs.FeastField{Name: e, Type: t})
	}
	for _, f := range cfg.View.Features {
		ct, ok := types[f]
		if !ok {
			return fs.FeastRepo{}, fmt.Errorf("materialize: feature column %q does not exist in %s: name a column of the table in features", f, cfg.View.Source)
		}
		t, err := fs.FeastFeatureType(ct)
		if err != nil {
			return fs.FeastRepo{}, fmt.Errorf("materialize: feast repo: feature %q: %w", f, err)
		}
		v.Features = append(v.Features, fs.FeastField{Name: f, Type: t})
	}
	online, err := fs.FeastOnlineStoreOf(cfg.Redis)
	if err != nil {
		return fs.FeastRepo{}, fmt.Errorf("materialize: feast repo: %w", err)
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
		return repo, fmt.Errorf("materialize: %w", err)
	}
	return repo, nil
}

// FeastRepoOf describes the Feast feature repository that serves what a
// run with cfg writes (or wrote), without writing anything: the same
// repository Run returns, from the source table's column types in
// PostgreSQL (cfg.DSN, else $KFPGO_POSTGRES_DSN) and the online store
// settings of cfg.Redis. Passwords appear only as variable names.
//
// Errors: a bad config, PostgreSQL unreachable, or a missing or mistyped
// column, each naming what to fix.
func FeastRepoOf(ctx context.Context, cfg Config) (fs.FeastRepo, error) {
	cfg = cfg.withDefaults(time.Now().UTC())
	if err := cfg.validate(); err != nil {
		return fs.FeastRepo{}, err
	}
	pool, err := fs.ConnectPostgres(ctx, cfg.DSN, cfg.Retry)
	if err != nil {
		return fs.FeastRepo{}, fmt.Errorf("materialize: %w", err)
	}
	defer pool.Close()
	return feastRepo(ctx, pool, cfg)
}
