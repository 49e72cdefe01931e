package materialize

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
)

// Result is a run's outcome: its window and Metrics.
type Result struct {
	// Start and End are the window actually materialized, [Start, End);
	// Start is zero when the window had no lower bound.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Metrics are the component's Metrics output.
	Metrics Metrics `json:"metrics"`
	// FeatureRepo is the Feast feature repository that serves what was
	// written (written to Config.FeatureRepoDir when set).
	FeatureRepo fs.FeastRepo `json:"feature_repo"`
}

// Metrics counts a run.
type Metrics struct {
	// RowsScanned is the number of latest-per-entity rows read from
	// PostgreSQL (one per entity of this shard with a row in the window).
	RowsScanned int64 `json:"rows_scanned"`
	// EntitiesWritten is the number of entity hashes updated in Redis.
	EntitiesWritten int64 `json:"entities_written"`
	// StaleSkipped is the number of entities left alone because Redis held
	// a newer or equal event time.
	StaleSkipped int64 `json:"stale_writes_skipped"`
	// Seconds is the wall time of the run.
	Seconds float64 `json:"seconds"`
	// RowsPerSecond is RowsScanned / Seconds.
	RowsPerSecond float64 `json:"rows_per_second"`
}

// Run materializes the latest row per entity of cfg.View in the window
// into Redis (Feast's layout, see package featurestore), then advances this
// shard's watermark to the window's end. Rows stream from PostgreSQL
// (SELECT DISTINCT ON the entity columns ordered by event time, filtered
// by window and shard) into batches written by four pipelined writers; the
// watermark moves only after every batch is acknowledged, so a crashed run
// re-done gives the same Redis content (writes never replace newer values).
//
// Errors: a bad config; PostgreSQL or Redis unreachable after the retries
// (passwords redacted); an unknown table or column; a column type Feast
// cannot hold; a Redis write failure. The watermark is unchanged on error.
func Run(ctx context.Context, cfg Config) (Result, error) {
	began := time.Now()
	cfg = cfg.withDefaults(began.UTC().Truncate(time.Microsecond))
	res := Result{End: cfg.End}
	defer func() {
		res.Metrics.Seconds = time.Since(began).Seconds()
		if res.Metrics.Seconds > 0 {
			res.Metrics.RowsPerSecond = float64(res.Metrics.RowsScanned) / res.Metrics.Seconds
		}
	}()
	if err := cfg.validate(); err != nil {
		return res, fmt.Errorf("materialize: %w", err)
	}
	pool, err := fs.ConnectPostgres(ctx, cfg.DSN, cfg.Retry)
	if err != nil {
		return res, fmt.Errorf("materialize: %w", err)
	}
	defer pool.Close()
	rc, err := fs.ConnectOnlineStore(ctx, cfg.Redis)
	if err != nil {
		return res, fmt.Errorf("materialize: %w", err)
	}
	defer rc.Close()
	writeRetry := cfg.Redis.Retry
	if writeRetry.Attempts <= 0 {
		writeRetry.Attempts = 8 // about 18s of backoff: a node restart or failover
	}
	store := &fs.OnlineStore{Client: rc, Project: cfg.Project, Retry: writeRetry}
	if err := store.LoadScripts(ctx); err != nil {
		return res, fmt.Errorf("materialize: %w", err)
	}
	if res.FeatureRepo, err = feastRepo(ctx, pool, cfg); err != nil {
		return res, fmt.Errorf("materialize: %w", err)
	}
	if cfg.FeatureRepoDir != "" {
		if err := res.FeatureRepo.WriteFiles(cfg.FeatureRepoDir); err != nil {
			return res, fmt.Errorf("materialize: %w", err)
		}
	}
	wm := watermarks{table: cfg.WatermarkTable}
	if err := wm.ensure(ctx, pool); err != nil {
		return res, err
	}
	start := cfg.Start
	if start.IsZero() {
		if t, ok, err := wm.get(ctx, pool, cfg); err != nil {
			return res, err
		} else if ok {
			start = t
		} else if cfg.View.TTL > 0 {
			start = cfg.End.Add(-cfg.View.TTL)
		}
	}
	res.Start = start
	if !start.IsZero() && !start.Before(cfg.End) {
		cfg.Logger.Info("materialize: nothing to do, watermark at or after the window end", "view", cfg.View.Name, "watermark", start, "end", cfg.End)
		return res, nil
	}

	view := fs.FeatureView{Name: cfg.View.Name, JoinKeys: cfg.View.Entities, Features: cfg.View.Features}
	prog := &fs.Progress{W: cfg.Progress, What: "materialize " + cfg.View.Name}

	batches := make(chan []fs.EntityRow, writers)
	var (
		mu       sync.Mutex
		writeErr error
		wg       sync.WaitGroup
		acked    int
	)
	wctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := range batches {
				r, err := store.Write(wctx, view, b, cfg.KeyTTL)
				mu.Lock()
				if err != nil && writeErr == nil {
					writeErr = err
					cancel()
				}
				res.Metrics.EntitiesWritten += int64(r.Written)
				res.Metrics.StaleSkipped += int64(r.Stale)
				if err == nil {
					acked++
					if cfg.AfterBatch != nil {
						cfg.AfterBatch(acked)
					}
				}
				mu.Unlock()
				prog.Add(int64(len(b)))
			}
		}()
	}
	readErr := scan(wctx, pool, cfg, start, func(b []fs.EntityRow) bool {
		res.Metrics.RowsScanned += int64(len(b))
		select {
		case batches <- b:
			return true
		case <-wctx.Done():
			return false
		}
	})
	close(batches)
	wg.Wait()
	if writeErr != nil {
		return res, fmt.Errorf("materialize: %w (the watermark was not advanced; re-run to resume)", writeErr)
	}
	if readErr != nil {
		return res, fmt.Errorf("%w (the watermark was not advanced; re-run to resume)", readErr)
	}
	if err := wm.set(ctx, pool, cfg); err != nil {
		return res, fmt.Errorf("%w (every entity was written but the watermark was not advanced; a re-run resumes and skips what is current)", err)
	}
	prog.Done()
	cfg.Logger.Info("materialize: done", "view", cfg.View.Name, "shard", fmt.Sprintf("%d/%d", cfg.ShardIndex, cfg.ShardCount),
		"rows_scanned", res.Metrics.RowsScanned, "entities_written", res.Metrics.EntitiesWritten, "stale_skipped", res.Metrics.StaleSkipped)
	return res, nil
}

// writers is the number of batches Run keeps in flight to Redis (and
// queued behind them): while one waits for its answer, the others are on
// the wire or being encoded, and on a Redis Cluster every master stays
// busy. Memory grows by about 1 MB per 2048-entity batch.
const writers = 4

// scan streams the latest row per entity in the window, in batches.
// sortWorkMem is PostgreSQL's work_mem for the DISTINCT ON query: the
// server's default, 4MB, sorts the 3M rows of the flights dataset on disk
// (147 MB of temporary files, EXPLAIN ANALYZE); a quarter gigabyte keeps a
// table of that size in memory. It is memory of the PostgreSQL backend
// during this one query, not of materialize-features.
const sortWorkMem = "256MB"

func scan(ctx context.Context, pool *pgxpool.Pool, cfg Config, start time.Time, emit func([]fs.EntityRow) bool) error {
	v := cfg.View
	table, _ := fs.ParseTableName(v.Source)
	ents := make([]string, len(v.Entities))
	entText := make([]string, len(v.Entities))
	for i, e := range v.Entities {
		ents[i] = pgx.Identifier{e}.Sanitize()
		entText[i] = ents[i] + "::text"
	}
	feats := make([]string, len(v.Features))
	for i, f := range v.Features {
		feats[i] = pgx.Identifier{f}.Sanitize()
	}
	ts := pgx.Identifier{v.EventTimestamp}.Sanitize()
	where := []string{ts + " < $1"}
	args := []any{cfg.End}
	if !start.IsZero() {
		args = append(args, start)
		where = append(where, fmt.Sprintf("%s >= $%d", ts, len(args)))
	}
	if cfg.ShardCount > 1 {
		args = append(args, cfg.ShardCount, cfg.ShardIndex)
		where = append(where, fmt.Sprintf("((hashtextextended(concat_ws('|', %s), 0) %% $%d) + $%d) %% $%d = $%d",
			strings.Join(entText, ", "), len(args)-1, len(args)-1, len(args)-1, len(args)))
	}
	// Ties on the event time are broken by the feature values, so that
	// every run picks the same row.
	q := fmt.Sprintf("SELECT DISTINCT ON (%s) %s, %s, %s FROM %s WHERE %s ORDER BY %s, %s DESC, %s",
		strings.Join(ents, ", "), strings.Join(ents, ", "), ts, strings.Join(feats, ", "),
		table.Sanitize(), strings.Join(where, " AND "), strings.Join(ents, ", "), ts,
		strings.Join(feats, " DESC NULLS LAST, ")+" DESC NULLS LAST")
	// One read-only transaction, so that SET LOCAL gives this query's sort
	// sortWorkMem without changing the server's or the pool's settings.
	tx, err := pool.BeginTx(ctx, pgx.TxOptions{AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("materialize: read %s: %w", v.Source, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	if _, err := tx.Exec(ctx, "SET LOCAL work_mem = '"+sortWorkMem+"'"); err != nil {
		return fmt.Errorf("materialize: read %s: set work_mem: %w", v.Source, err)
	}
	rows, err := tx.Query(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("materialize: read %s: %w", v.Source, err)
	}
	defer rows.Close()
	ne, nf := len(v.Entities), len(v.Features)
	batch := make([]fs.EntityRow, 0, cfg.BatchSize)
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return fmt.Errorf("materialize: read %s: %w", v.Source, err)
		}
		r := fs.EntityRow{JoinValues: make([]any, ne), Values: make([]any, nf)}
		for i := 0; i < ne; i++ {
			switch x := vals[i].(type) {
			case string, int64, int32:
				r.JoinValues[i] = x
			case int16:
				r.JoinValues[i] = int32(x)
			default:
				return fmt.Errorf("materialize: entity column %q of %s has values of Go type %T: Feast entity keys must be text, bigint or integer", v.Entities[i], v.Source, vals[i])
			}
		}
		t, ok := vals[ne].(time.Time)
		if !ok {
			return fmt.Errorf("materialize: event timestamp column %q of %s is %T, not a timestamp (NULL or wrong type)", v.EventTimestamp, v.Source, vals[ne])
		}
		r.EventTimestamp = t
		for i := 0; i < nf; i++ {
			fv, err := featureValue(vals[ne+1+i])
			if err != nil {
				return fmt.Errorf("materialize: feature column %q of %s: %w", v.Features[i], v.Source, err)
			}
			r.Values[i] = fv
		}
		batch = append(batch, r)
		if len(batch) == cfg.BatchSize {
			if !emit(batch) {
				return nil
			}
			batch = make([]fs.EntityRow, 0, cfg.BatchSize)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("materialize: read %s: %w", v.Source, err)
	}
	if len(batch) > 0 {
		emit(batch)
	}
	return nil
}

// featureValue maps a pgx-decoded value to a Feast value type.
func featureValue(v any) (any, error) {
	switch x := v.(type) {
	case nil, string, []byte, int32, int64, float32, float64, bool, time.Time:
		return x, nil
	case int16:
		return int32(x), nil
	case pgtype.Numeric:
		f, err := x.Float64Value()
		if err != nil || !f.Valid {
			return nil, nil
		}
		return f.Float64, nil
	case *big.Int:
		return x.Int64(), nil
	}
	return nil, fmt.Errorf("values of Go type %T have no Feast value type: cast the column to bigint, double precision, text, boolean or timestamptz", v)
}

// watermarks keeps per-shard watermarks in PostgreSQL.
type watermarks struct{ table string }

func (w watermarks) id() string {
	t, _ := fs.ParseTableName(w.table)
	return t.Sanitize()
}

func (w watermarks) ensure(ctx context.Context, pool *pgxpool.Pool) error {
	_, err := pool.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+w.id()+` (
  project text NOT NULL, feature_view text NOT NULL, shard_index int NOT NULL, shard_count int NOT NULL,
  watermark timestamptz NOT NULL, updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (project, feature_view, shard_index, shard_count))`)
	var pgErr interface{ SQLState() string }
	if err != nil && errors.As(err, &pgErr) && pgErr.SQLState() == "23505" {
		err = nil // a concurrent shard created it first
	}
	if err != nil {
		return fmt.Errorf("materialize: watermark table %s: %w", w.table, err)
	}
	return nil
}

func (w watermarks) get(ctx context.Context, pool *pgxpool.Pool, cfg Config) (time.Time, bool, error) {
	var t time.Time
	err := pool.QueryRow(ctx, "SELECT watermark FROM "+w.id()+" WHERE project = $1 AND feature_view = $2 AND shard_index = $3 AND shard_count = $4",
		cfg.Project, cfg.View.Name, cfg.ShardIndex, cfg.ShardCount).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, false, nil
	}
	if err != nil {
		return t, false, fmt.Errorf("materialize: read watermark from %s: %w", w.table, err)
	}
	return t, true, nil
}

// set advances the watermark to cfg.End (never backwards).
func (w watermarks) set(ctx context.Context, pool *pgxpool.Pool, cfg Config) error {
	_, err := pool.Exec(ctx, "INSERT INTO "+w.id()+` AS w (project, feature_view, shard_index, shard_count, watermark)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (project, feature_view, shard_index, shard_count)
DO UPDATE SET watermark = GREATEST(w.watermark, EXCLUDED.watermark), updated_at = now()`,
		cfg.Project, cfg.View.Name, cfg.ShardIndex, cfg.ShardCount, cfg.End)
	if err != nil {
		return fmt.Errorf("materialize: advance watermark in %s: %w", w.table, err)
	}
	return nil
}

// Watermark returns the watermark of one shard of a feature view, and
// false when it has none.
func Watermark(ctx context.Context, pool *pgxpool.Pool, cfg Config) (time.Time, bool, error) {
	cfg = cfg.withDefaults(time.Now())
	return watermarks{table: cfg.WatermarkTable}.get(ctx, pool, cfg)
}
