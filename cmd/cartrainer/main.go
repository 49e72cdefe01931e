// Command cartrainer is the example training image of the distributed-train
// component: it reads TF_CONFIG like a TensorFlow trainer, trains the car
// origin classifier of package cartrainer on the PostgreSQL offline store,
// and writes the model and metrics where KFPGO_MODEL_DIR and
// KFPGO_METRICS_FILE say.
//
// Usage:
//
//	cartrainer --table features.cars [--dsn postgres://...] [--epochs 300]
//	           [--batch-size 32] [--learning-rate 0.1] [--l2 0.001] [--seed 0]
//
// The connection string comes from --dsn, else $DATABASE_URL, else
// $KFPGO_POSTGRES_DSN, else the libpq PG* variables (PGHOST, PGUSER, PGPASSWORD, ...). It is never logged.
// Exit status 0 on success, 1 on a training error or an unreachable
// server, 2 on bad flags or a connection string that does not parse.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kfpgo/kfpgo/components/cartrainer"
	"github.com/kfpgo/kfpgo/components/distributedtrain/contract"
	"github.com/kfpgo/kfpgo/sdk/executor"
	"github.com/kfpgo/kfpgo/sdk/redact"
)

// envPostgresDSN names the variable holding the offline store DSN, the one
// the components read (featurestore.EnvPostgresDSN, not imported: the
// trainer image needs no Redis client).
const envPostgresDSN = "KFPGO_POSTGRES_DSN"

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	fs := flag.NewFlagSet("cartrainer", flag.ContinueOnError)
	var (
		dsn     = fs.String("dsn", "", "PostgreSQL connection string (default $DATABASE_URL, else $"+envPostgresDSN+", else the PG* variables)")
		table   = fs.String("table", os.Getenv("KFPGO_DATASET_TABLE"), "offline store table, [schema.]name (default $KFPGO_DATASET_TABLE, which distributed-train sets)")
		classes = fs.String("classes", strings.Join(cartrainer.DefaultClasses, ","), "comma-separated class names (origin values)")
		timeout = fs.Duration("timeout", 2*time.Minute, "wait for peer workers and for each all-reduce step")
		h       cartrainer.Hyperparameters
	)
	fs.IntVar(&h.Epochs, "epochs", 300, "passes over the training split")
	fs.IntVar(&h.BatchSize, "batch-size", 32, "global batch size, summed over all workers")
	fs.Float64Var(&h.LearningRate, "learning-rate", 0.1, "gradient descent step size")
	fs.Float64Var(&h.L2, "l2", 0.001, "L2 weight decay")
	fs.Uint64Var(&h.Seed, "seed", 0, "shuffle seed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *table == "" {
		fmt.Fprintln(os.Stderr, "cartrainer: --table is required (the offline store table prepare-data wrote)")
		return 2
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	from := "--dsn"
	for _, env := range []string{"DATABASE_URL", envPostgresDSN} {
		if *dsn == "" {
			*dsn, from = os.Getenv(env), "$"+env
		}
	}
	if *dsn == "" {
		from = ""
	}
	cfg, err := pgx.ParseConfig(*dsn)
	if err != nil {
		fmt.Fprintf(os.Stderr, "cartrainer: the PostgreSQL connection string from %s does not parse: %s (the form is postgres://USER@HOST:5432/DB, or \"host=… port=… user=… dbname=…\")\n",
			from, executor.OneLine(redact.Error(err, redact.Passwords(*dsn)...)))
		return 2
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		msg := executor.OneLine(redact.Error(err, redact.Passwords(*dsn)...))
		if from == "" {
			msg += fmt.Sprintf("; none of --dsn, $DATABASE_URL and $%s is set, so the PG* variables and libpq defaults were used: set %s=postgres://USER@HOST:5432/DB (on a cluster, from a secret)", envPostgresDSN, envPostgresDSN)
		} else {
			msg += " (the connection string comes from " + from + ")"
		}
		fmt.Fprintln(os.Stderr, "cartrainer: cannot connect to PostgreSQL: "+msg)
		return 1
	}
	defer conn.Close(context.Background())

	res, err := cartrainer.Run(ctx, cartrainer.Options{
		Source:          cartrainer.PostgresSource{DB: conn, Table: *table},
		TFConfig:        os.Getenv(contract.EnvTFConfig),
		ModelDir:        os.Getenv(contract.EnvModelDir),
		MetricsFile:     os.Getenv(contract.EnvMetricsFile),
		Classes:         strings.Split(*classes, ","),
		Hyperparameters: h,
		Timeout:         *timeout,
		Logger:          log,
	})
	if err != nil {
		log.Error("training failed", "err", err)
		return 1
	}
	log.Info("done", "role", res.Role, "validation_accuracy", res.Validation.Accuracy, "wrote_outputs", res.Wrote)
	return 0
}
