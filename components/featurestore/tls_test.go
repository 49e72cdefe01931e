package featurestore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	fs "github.com/kfpgo/kfpgo/components/featurestore"
	"github.com/kfpgo/kfpgo/components/testenv"
)

// testCA writes into dir a throw-away certificate authority (ca.pem) and a
// server certificate it signs for 127.0.0.1 (server.pem, server-key.pem).
func testCA(t *testing.T, dir string) (caFile, certFile, keyFile string) {
	t.Helper()
	ca, _, cert, key, err := testenv.ServingCerts("kfpgo test CA", "localhost")
	require.NoError(t, err)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	return write("ca.pem", ca), write("server.pem", cert), write("server-key.pem", key)
}

// TestRedisTLS connects to a real redis-server serving TLS (tls-port, a
// certificate from a throw-away CA) with Feast's connection string
// ssl=true,ssl_ca_certs=… and with a rediss:// URL and CACertFile, writes
// and reads an entity back; the certificate is verified (without the CA
// the connection is refused), and a bad CA file or a CA file without TLS
// is named.
func TestRedisTLS(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	caFile, certFile, keyFile := testCA(t, dir)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	tlsPort := l.Addr().(*net.TCPAddr).Port
	require.NoError(t, l.Close())
	srv, err := testenv.StartRedis(ctx, testenv.RedisOptions{Args: []string{
		"--tls-port", fmt.Sprint(tlsPort), "--tls-cert-file", certFile, "--tls-key-file", keyFile,
		"--tls-ca-cert-file", caFile, "--tls-auth-clients", "no"}})
	require.NoError(t, err)
	t.Cleanup(srv.Stop)
	addr := fmt.Sprintf("127.0.0.1:%d", tlsPort)
	view := fs.FeatureView{Name: "v", JoinKeys: []string{"entity_key"}, Features: []string{"x"}}
	now := time.Now().UTC().Truncate(time.Microsecond)

	for _, tt := range []struct {
		name string
		cfg  fs.RedisConfig
	}{
		{"Feast connection string", fs.RedisConfig{URL: addr + ",ssl=true,ssl_ca_certs=" + caFile}},
		{"rediss URL", fs.RedisConfig{URL: "rediss://" + addr + "/0", CACertFile: caFile}},
		{"TLS forced", fs.RedisConfig{URL: addr, TLS: true, CACertFile: caFile}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := fs.ConnectOnlineStore(ctx, tt.cfg)
			require.NoError(t, err)
			defer c.Close()
			s := &fs.OnlineStore{Client: c, Project: "tls"}
			_, err = s.Write(ctx, view, []fs.EntityRow{{JoinValues: []any{tt.name}, EventTimestamp: now, Values: []any{tt.name}}}, 0)
			require.NoError(t, err)
			got, err := s.Get(ctx, view, [][]any{{tt.name}})
			require.NoError(t, err)
			assert.Equal(t, []any{tt.name}, got[0].Values)
			assert.Equal(t, now, got[0].EventTimestamp)
			repo, err := fs.FeastOnlineStoreOf(tt.cfg)
			require.NoError(t, err)
			assert.True(t, repo.SSL, "the Feast repository says ssl")
		})
	}

	// The certificate is checked: the system's roots do not know this CA.
	_, err = fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: addr + ",ssl=true", Retry: fs.Retry{Attempts: 1}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "certificate signed by unknown authority")

	_, err = fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: addr + ",ssl=true,ssl_ca_certs=" + keyFile, Retry: fs.Retry{Attempts: 1}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "CA file "+keyFile+" holds no PEM certificate")
	_, err = fs.ConnectOnlineStore(ctx, fs.RedisConfig{URL: srv.URL, CACertFile: caFile, Retry: fs.Retry{Attempts: 1}})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "TLS is off")
}
