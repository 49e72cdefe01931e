package cartrainer

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"strconv"
	"time"
)

// The all-reduce wire protocol between training replicas (TCP, big-endian):
//
//	hello   (worker → rank 0, once): magic "KFPGOAR1", uint32 rank, uint32 world size
//	frame   (both directions, per call): uint64 sequence number, uint32 n, n × float64 (IEEE 754 bits)
//
// Rank 0 (the chief, else worker 0) listens on the port of its own TF_CONFIG
// address; every other rank dials that address. For each AllReduceSum call
// each rank > 0 sends its frame; rank 0 adds the vectors in rank order
// 0, 1, ..., s−1 (so the sum is bit-for-bit the same on every run) and
// sends the total back to every rank. A star is enough for a handful of
// workers and a gradient of a few dozen numbers; large models would use a
// ring all-reduce instead.
const helloMagic = "KFPGOAR1"

// maxFrameLen bounds a received frame (float64 count) so a corrupt peer
// cannot make a worker allocate without limit.
const maxFrameLen = 1 << 24

// TCPReducer is a [Reducer] over loopback or pod-network TCP. Create it with
// [DialTCPReducer]; Close releases its connections.
type TCPReducer struct {
	rank    int
	peers   []net.Conn // rank 0: index r holds the connection to rank r (nil at 0); others: [0] is rank 0
	r       []*bufio.Reader
	w       []*bufio.Writer
	seq     uint64
	timeout time.Duration
	scratch []float64
}

// DialTCPReducer connects the workers listed in peers ("host:port" in rank
// order, see contract.TFConfig.Peers). Rank 0 listens on its address's port
// (on the address itself when the host is an IP, on all interfaces
// otherwise, as in a pod) and waits for the others; ranks > 0 dial rank 0,
// retrying until timeout since rank 0 may start later. timeout also bounds
// every later AllReduceSum, so a dead peer fails the step instead of hanging.
// Errors name the peer address.
func DialTCPReducer(ctx context.Context, peers []string, rank int, timeout time.Duration) (*TCPReducer, error) {
	if rank < 0 || rank >= len(peers) {
		return nil, fmt.Errorf("all-reduce: rank %d is not in the %d peers", rank, len(peers))
	}
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	t := &TCPReducer{rank: rank, timeout: timeout}
	deadline := time.Now().Add(timeout)
	if rank == 0 {
		return t, t.accept(ctx, peers, deadline)
	}
	var d net.Dialer
	for {
		dctx, cancel := context.WithDeadline(ctx, deadline)
		c, err := d.DialContext(dctx, "tcp", peers[0])
		cancel()
		if err == nil {
			t.addConn(c)
			break
		}
		if ctx.Err() != nil || time.Now().After(deadline) {
			return nil, fmt.Errorf("all-reduce: rank %d cannot reach rank 0 at %s within %v: %w", rank, peers[0], timeout, err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
	c := t.peers[0]
	c.SetDeadline(deadline)
	hello := binary.BigEndian.AppendUint32([]byte(helloMagic), uint32(rank))
	hello = binary.BigEndian.AppendUint32(hello, uint32(len(peers)))
	if _, err := c.Write(hello); err != nil {
		t.Close()
		return nil, fmt.Errorf("all-reduce: rank %d: hello to %s: %w", rank, peers[0], err)
	}
	return t, nil
}

func (t *TCPReducer) addConn(c net.Conn) {
	t.peers = append(t.peers, c)
	t.r = append(t.r, bufio.NewReader(c))
	t.w = append(t.w, bufio.NewWriter(c))
}

func (t *TCPReducer) accept(ctx context.Context, peers []string, deadline time.Time) error {
	host, port, err := net.SplitHostPort(peers[0])
	if err != nil {
		return fmt.Errorf("all-reduce: rank 0 address %q: %w", peers[0], err)
	}
	bind := ":" + port
	if net.ParseIP(host) != nil {
		bind = peers[0]
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", bind)
	if err != nil {
		return fmt.Errorf("all-reduce: rank 0 listen on %s: %w", bind, err)
	}
	defer ln.Close()
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	ln.(*net.TCPListener).SetDeadline(deadline)
	t.peers = make([]net.Conn, len(peers))
	t.r = make([]*bufio.Reader, len(peers))
	t.w = make([]*bufio.Writer, len(peers))
	for got := 1; got < len(peers); {
		c, err := ln.Accept()
		if err != nil {
			t.Close()
			return fmt.Errorf("all-reduce: rank 0 waited on %s for %d of %d peers: %w", bind, len(peers)-got, len(peers)-1, err)
		}
		c.SetDeadline(deadline)
		var hello [len(helloMagic) + 8]byte
		if _, err := io.ReadFull(c, hello[:]); err != nil || string(hello[:len(helloMagic)]) != helloMagic {
			c.Close() // not one of ours; keep waiting
			continue
		}
		r := int(binary.BigEndian.Uint32(hello[len(helloMagic):]))
		world := int(binary.BigEndian.Uint32(hello[len(helloMagic)+4:]))
		if world != len(peers) || r <= 0 || r >= len(peers) || t.peers[r] != nil {
			c.Close()
			t.Close()
			return fmt.Errorf("all-reduce: rank 0 got hello from rank %d of %d, expected a new rank in 1..%d of %d: the replicas disagree on TF_CONFIG",
				r, world, len(peers)-1, len(peers))
		}
		t.peers[r], t.r[r], t.w[r] = c, bufio.NewReader(c), bufio.NewWriter(c)
		got++
	}
	return nil
}

// AllReduceSum implements [Reducer].
func (t *TCPReducer) AllReduceSum(ctx context.Context, buf []float64) error {
	t.seq++
	deadline := time.Now().Add(t.timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	for _, c := range t.peers {
		if c != nil {
			c.SetDeadline(deadline)
		}
	}
	stop := context.AfterFunc(ctx, func() {
		for _, c := range t.peers {
			if c != nil {
				c.SetDeadline(time.Unix(1, 0))
			}
		}
	})
	defer stop()
	err := t.reduce(buf)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

func (t *TCPReducer) reduce(buf []float64) error {
	if t.rank != 0 {
		if err := writeFrame(t.w[0], t.seq, buf); err != nil {
			return fmt.Errorf("send to rank 0: %w", err)
		}
		if err := t.readFrame(t.r[0], buf); err != nil {
			return fmt.Errorf("receive from rank 0: %w", err)
		}
		return nil
	}
	if cap(t.scratch) < len(buf) {
		t.scratch = make([]float64, len(buf))
	}
	other := t.scratch[:len(buf)]
	for r := 1; r < len(t.peers); r++ {
		if err := t.readFrame(t.r[r], other); err != nil {
			return fmt.Errorf("receive from rank %d: %w", r, err)
		}
		for i, v := range other {
			buf[i] += v
		}
	}
	for r := 1; r < len(t.peers); r++ {
		if err := writeFrame(t.w[r], t.seq, buf); err != nil {
			return fmt.Errorf("send to rank %d: %w", r, err)
		}
	}
	return nil
}

func writeFrame(w *bufio.Writer, seq uint64, buf []float64) error {
	var hdr [12]byte
	binary.BigEndian.PutUint64(hdr[:8], seq)
	binary.BigEndian.PutUint32(hdr[8:], uint32(len(buf)))
	w.Write(hdr[:])
	var b [8]byte
	for _, v := range buf {
		binary.BigEndian.PutUint64(b[:], math.Float64bits(v))
		w.Write(b[:])
	}
	return w.Flush()
}

func (t *TCPReducer) readFrame(r *bufio.Reader, dst []float64) error {
	var hdr [12]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return err
	}
	seq, n := binary.BigEndian.Uint64(hdr[:8]), binary.BigEndian.Uint32(hdr[8:])
	if seq != t.seq || int(n) != len(dst) || n > maxFrameLen {
		return errors.New("protocol mismatch: step " + strconv.FormatUint(seq, 10) + " with " + strconv.Itoa(int(n)) +
			" values, expected step " + strconv.FormatUint(t.seq, 10) + " with " + strconv.Itoa(len(dst)) +
			" (the replicas run different hyperparameters or data)")
	}
	var b [8]byte
	for i := range dst {
		if _, err := io.ReadFull(r, b[:]); err != nil {
			return err
		}
		dst[i] = math.Float64frombits(binary.BigEndian.Uint64(b[:]))
	}
	return nil
}

// Close closes the connections to the other ranks.
func (t *TCPReducer) Close() error {
	var errs []error
	for _, c := range t.peers {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
