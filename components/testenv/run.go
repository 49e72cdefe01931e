package testenv

import (
	"context"
	"fmt"
	"os"
	"testing"
)

// RunTests is a test binary's TestMain body for tests that need real
// servers: it starts PostgreSQL when pg is non-nil and Redis when rd is
// non-nil, stores the handles there, runs the tests, stops the servers, and
// returns the exit code for os.Exit. A server that cannot start prints why
// (with how to install it) and returns 1 without running any test.
//
//	func TestMain(m *testing.M) { os.Exit(testenv.RunTests(m, &pg, &rd)) }
func RunTests(m *testing.M, pg **Postgres, rd **Redis) int {
	return RunTestsCluster(m, pg, rd, nil)
}

// RunTestsCluster is [RunTests] that also starts a Redis Cluster
// ([StartRedisCluster], 3 masters) when cl is non-nil. A cluster that
// cannot start fails the test binary the same way.
func RunTestsCluster(m *testing.M, pg **Postgres, rd **Redis, cl **RedisCluster) int {
	ctx := context.Background()
	if pg != nil {
		p, err := StartPostgres(ctx, PostgresOptions{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer p.Stop()
		*pg = p
	}
	if rd != nil {
		r, err := StartRedis(ctx, RedisOptions{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer r.Stop()
		*rd = r
	}
	if cl != nil {
		c, err := StartRedisCluster(ctx, RedisClusterOptions{})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer c.Stop()
		*cl = c
	}
	return m.Run()
}
