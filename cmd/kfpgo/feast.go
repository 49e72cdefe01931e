package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/materialize"
)

func init() { addCommand(newFeastCmd) }

// newFeastCmd is `kfpgo feast`: the Feast side of the feature store.
func newFeastCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feast",
		Short: "Write the Feast feature repository that serves what materialize-features wrote",
	}
	cmd.AddCommand(newFeastRepoCmd())
	return cmd
}

// newFeastRepoCmd is `kfpgo feast repo`.
func newFeastRepoCmd() *cobra.Command {
	var (
		out, table, view, eventTS, project, redisURL, redisType, dsnEnv string
		entities, features                                              []string
		ttl, keyTTL                                                     time.Duration
		force                                                           bool
	)
	c := &cobra.Command{
		Use:   "repo --table TABLE --features F1,F2 -o DIR",
		Short: "Write feature_store.yaml and features.py for a table materialize-features wrote to Redis",
		Long: `Writes the Feast feature repository (feature_store.yaml and features.py) that serves the
feature view materialize-features writes from TABLE: project, entities, feature view with the
feature types of TABLE's columns (read from PostgreSQL) and ttl, the PostgreSQL offline store and
the Redis online store (standalone or redis_cluster). Give the same view, entities, features,
project and Redis settings as the materialize-features run, or Feast serves nothing.

Existing feature_store.yaml or features.py files in the output directory are not
overwritten unless --force.

The PostgreSQL DSN is read from the variable --postgres-dsn-env names, never from a flag.
Passwords are not written: feature_store.yaml names the variables Feast reads them from
(` + fs.EnvFeastPostgresPassword + `, ` + fs.EnvRedisPassword + `).`,
		Example: `  export KFPGO_POSTGRES_DSN=postgres://feast@db:5432/features
  kfpgo feast repo --table flights --view route_delays --entities origin,destination \
      --features delay,distance --event-timestamp date \
      --redis-url redis-0:6379,redis-1:6379,redis-2:6379 --redis-type redis_cluster -o feature_repo
  cd feature_repo && feast apply && feast serve`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			dsn := os.Getenv(dsnEnv)
			if dsn == "" {
				return fmt.Errorf("feast repo: $%s is empty: export the PostgreSQL DSN there, or name another variable with --postgres-dsn-env", dsnEnv)
			}
			if redisURL == "" && os.Getenv(fs.EnvRedisURL) == "" {
				return fmt.Errorf("feast repo: no Redis URL: pass --redis-url (the materialize-features run's) or set $%s", fs.EnvRedisURL)
			}
			if !force {
				for _, name := range []string{"feature_store.yaml", "features.py"} {
					if p := filepath.Join(out, name); fileExists(p) {
						return fmt.Errorf("feast repo: %s already exists; pass --force to overwrite it or -o to write elsewhere", p)
					}
				}
			}
			if view == "" {
				view = table
				if i := strings.LastIndexByte(view, '.'); i >= 0 {
					view = view[i+1:]
				}
			}
			cfg := materialize.Config{
				View:    materialize.FeatureView{Name: view, Source: table, Entities: entities, Features: features, EventTimestamp: eventTS, TTL: ttl},
				Project: project, KeyTTL: keyTTL, DSN: dsn,
				Redis: fs.RedisConfig{URL: redisURL, Type: redisType},
				Retry: fs.Retry{Attempts: 1},
			}
			repo, err := materialize.FeastRepoOf(cmd.Context(), cfg)
			if err != nil {
				return err // "feast repo: …"
			}
			repo.GeneratedBy = "kfpgo feast repo"
			if err := repo.WriteFiles(out); err != nil {
				return err // "feast repo: …"
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s/%s → %s, %s\n", repo.Project, view,
				filepath.Join(out, "feature_store.yaml"), filepath.Join(out, "features.py"))
			return nil
		},
	}
	f := c.Flags()
	f.StringVarP(&out, "output", "o", "", "directory to write feature_store.yaml and features.py to (created if missing)")
	f.StringVar(&table, "table", "", `offline store table materialize-features read, "table" or "schema.table"`)
	f.StringVar(&view, "view", "", "feature view name (default the table name)")
	f.StringSliceVar(&entities, "entities", nil, "entity (join key) columns (default entity_key)")
	f.StringSliceVar(&features, "features", nil, "feature columns, in the materialize-features order")
	f.StringVar(&eventTS, "event-timestamp", "", "event time column (default event_timestamp)")
	f.StringVar(&project, "project", "", "Feast project, the suffix of every Redis key (default kfpgo)")
	f.DurationVar(&ttl, "ttl", 0, "feature view ttl (0: values never age out)")
	f.DurationVar(&keyTTL, "key-ttl", 0, "Redis key TTL materialize-features set (Feast's key_ttl_seconds)")
	f.StringVar(&redisURL, "redis-url", "", "Redis URL or Feast connection string (default $"+fs.EnvRedisURL+")")
	f.StringVar(&redisType, "redis-type", "", `"redis" or "redis_cluster" (default $`+fs.EnvRedisType+`, else redis)`)
	f.StringVar(&dsnEnv, "postgres-dsn-env", fs.EnvPostgresDSN, "variable holding the PostgreSQL DSN")
	f.BoolVar(&force, "force", false, "overwrite feature_store.yaml and features.py if they exist")
	for _, name := range []string{"output", "table", "features"} {
		_ = c.MarkFlagRequired(name)
	}
	return c
}

// fileExists reports whether something exists at p (a dangling symlink
// counts: writing there would still replace it).
func fileExists(p string) bool {
	_, err := os.Lstat(p)
	return err == nil
}
