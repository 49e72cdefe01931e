package testenv

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisClusterOptions configures [StartRedisCluster]. The zero value is
// ready to use.
type RedisClusterOptions struct {
	// Masters is the number of master nodes (no replicas). Optional:
	// defaults to 3, the least redis-cli --cluster create accepts.
	Masters int
	// NodeTimeout is the cluster-node-timeout. Optional: defaults to 5s,
	// long enough for [RedisCluster.RestartNode] not to fail the node over.
	NodeTimeout time.Duration
	// StartTimeout bounds each node's start and the wait for the cluster
	// state to become ok. Optional: defaults to 60s.
	StartTimeout time.Duration
}

// RedisCluster is a running throw-away Redis Cluster of master nodes on
// loopback ports, made with Debian's redis-server and redis-cli
// (packages redis-server and redis-tools). Each node keeps an append-only
// file (appendfsync no) so that a node restarted with
// [RedisCluster.RestartNode] comes back with its data and slots.
type RedisCluster struct {
	// Nodes are the master nodes, in creation order.
	Nodes []*Redis
	// Addrs are the nodes' "127.0.0.1:<port>" addresses.
	Addrs []string
	// URL is the go-redis cluster URL (redis.ParseClusterURL) naming every
	// node: "redis://127.0.0.1:p1?addr=127.0.0.1:p2&addr=127.0.0.1:p3".
	URL string
	// ConnectionString is Feast's redis_cluster connection_string for the
	// same nodes: "127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3".
	ConnectionString string

	opts RedisClusterOptions
}

// StartRedisCluster starts opts.Masters cluster-enabled redis-server nodes
// on free loopback ports (each with its own free cluster bus port), joins
// them with "redis-cli --cluster create --cluster-yes" (all 16384 slots
// spread over the masters), and returns once every node reports
// cluster_state:ok.
//
// Errors: redis-server or redis-cli missing (a wrapped [ErrBinaryNotFound]
// naming the Debian package), a node that does not start, or the cluster
// not becoming ok in time, with redis-cli's output. Nothing is left running
// on error.
func StartRedisCluster(ctx context.Context, opts RedisClusterOptions) (*RedisCluster, error) {
	if opts.Masters <= 0 {
		opts.Masters = 3
	}
	if opts.NodeTimeout <= 0 {
		opts.NodeTimeout = 5 * time.Second
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	cli, err := lookBin("redis-cli", "")
	if err != nil {
		return nil, fmt.Errorf("start Redis Cluster: redis-cli not on PATH: install redis-tools: apt-get install -y redis-tools: %w", err)
	}
	c := &RedisCluster{opts: opts}
	for i := 0; i < opts.Masters; i++ {
		port, err1 := freePort()
		bus, err2 := freePort()
		if err1 != nil || err2 != nil || port == bus {
			c.Stop()
			return nil, fmt.Errorf("start Redis Cluster: node %d: no free ports (%v, %v)", i, err1, err2)
		}
		n, err := startRedisOn(ctx, port, RedisOptions{StartTimeout: opts.StartTimeout, Args: []string{
			"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
			"--cluster-port", fmt.Sprint(bus), "--cluster-node-timeout", fmt.Sprint(opts.NodeTimeout.Milliseconds()),
			"--appendonly", "yes", "--appendfsync", "no",
		}})
		if err != nil {
			c.Stop()
			return nil, fmt.Errorf("start Redis Cluster: node %d: %w", i, err)
		}
		c.Nodes = append(c.Nodes, n)
		c.Addrs = append(c.Addrs, n.Addr)
	}
	cctx, cancel := context.WithTimeout(ctx, opts.StartTimeout)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.Addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.CommandContext(cctx, cli, args...).CombinedOutput(); err != nil {
		c.Stop()
		return nil, fmt.Errorf("start Redis Cluster: redis-cli %s: %w\n%s", strings.Join(args, " "), err, tailString(string(out), 2000))
	}
	if err := c.waitOK(cctx); err != nil {
		c.Stop()
		return nil, err
	}
	c.URL = "redis://" + c.Addrs[0]
	for i, a := range c.Addrs[1:] {
		c.URL += map[bool]string{true: "?", false: "&"}[i == 0] + "addr=" + a
	}
	c.ConnectionString = strings.Join(c.Addrs, ",")
	return c, nil
}

// waitOK waits until every node answers CLUSTER INFO with cluster_state:ok
// and knows all masters.
func (c *RedisCluster) waitOK(ctx context.Context) error {
	var last string
	for {
		ok := true
		for _, n := range c.Nodes {
			cl := redis.NewClient(&redis.Options{Addr: n.Addr, MaxRetries: -1, DialTimeout: time.Second})
			info, err := cl.ClusterInfo(ctx).Result()
			cl.Close()
			want := fmt.Sprintf("cluster_known_nodes:%d", len(c.Nodes))
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, want) {
				ok = false
				last = fmt.Sprintf("node %s: %v %s", n.Addr, err, strings.Join(strings.Fields(info), " "))
				break
			}
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("start Redis Cluster: cluster state not ok: %w (last: %s)", ctx.Err(), tailString(last, 600))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// RestartNode shuts node i down (SIGTERM: it writes its append-only file
// and nodes.conf) and starts it again on the same ports with the same data,
// returning once the cluster state is ok again. Clients see the node's
// slots unreachable meanwhile.
//
// Errors: i out of range, or the node or the cluster not coming back.
func (c *RedisCluster) RestartNode(ctx context.Context, i int) error {
	if i < 0 || i >= len(c.Nodes) {
		return fmt.Errorf("restart Redis Cluster node %d: the cluster has %d nodes", i, len(c.Nodes))
	}
	c.Nodes[i].Halt()
	if err := c.Nodes[i].Restart(ctx); err != nil {
		return fmt.Errorf("restart Redis Cluster node %d: %w", i, err)
	}
	ctx, cancel := context.WithTimeout(ctx, c.opts.StartTimeout)
	defer cancel()
	return c.waitOK(ctx)
}

// Stop stops every node and removes their directories. Stop is idempotent.
func (c *RedisCluster) Stop() {
	for _, n := range c.Nodes {
		n.Stop()
	}
}

func tailString(s string, n int) string {
	if len(s) > n {
		s = s[len(s)-n:]
	}
	return strings.TrimSpace(s)
}
