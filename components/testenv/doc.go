// Package testenv starts real, throw-away PostgreSQL and Redis servers on
// loopback for tests, benchmarks and demos.
//
// Both servers run from the binaries of Debian's postgresql and redis-server
// packages (apt-get install -y postgresql redis-server), in a fresh temporary
// directory, on a free 127.0.0.1 port, with durability switched off
// (PostgreSQL fsync=off, Redis without RDB or AOF): they are for data that
// may be lost. No container runtime is needed.
//
// PostgreSQL binaries (initdb, postgres) are looked up on PATH first, then
// in the newest /usr/lib/postgresql/<version>/bin. PostgreSQL refuses to run
// as root, so when the calling process is root the cluster directory is
// owned by, and the servers run as, the postgres system user (created by
// Debian's package); the unix socket lives in the temporary directory, never
// in /var/run/postgresql.
//
// Typical use is one pair of servers per test binary, started in TestMain:
//
//	var pg *testenv.Postgres
//	var rd *testenv.Redis
//
//	func TestMain(m *testing.M) {
//		ctx := context.Background()
//		var err error
//		if pg, err = testenv.StartPostgres(ctx, testenv.PostgresOptions{}); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		if rd, err = testenv.StartRedis(ctx, testenv.RedisOptions{}); err != nil {
//			pg.Stop()
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//		code := m.Run()
//		rd.Stop()
//		pg.Stop()
//		os.Exit(code)
//	}
//
// [StartRedisCluster] makes a Redis Cluster of three (or more) master nodes
// with redis-cli --cluster create (Debian's redis-tools, a dependency of
// redis-server); [RedisCluster.RestartNode] restarts one node with its data,
// for "node restart" tests.
//
// [Postgres.DSN] and [Redis.URL] are what the components take as connection
// settings. [Postgres.Halt] and [Postgres.Restart] take the server down and
// bring it back on the same port with the same data, for "database down"
// tests; [Postgres.CreateDatabase] gives each test its own database.
//
// Servers are started with the parent-death signal set to SIGKILL, so they
// do not outlive a test binary that is killed; Stop also removes the
// temporary directory.
package testenv
