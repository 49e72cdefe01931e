package featurestore

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress prints "<what>: <done>/<total> rows, <rate> rows/s, ETA <d>" lines
// to W at most once per Every, for long loads. Total 0 means unknown (no
// ETA). A nil *Progress or nil W does nothing. Safe for concurrent use.
type Progress struct {
	// W receives the lines, typically os.Stderr.
	W io.Writer
	// What names the work, e.g. "prepare-data: load".
	What string
	// Total is the expected number of rows, 0 when unknown.
	Total int64
	// Every is the minimum time between lines. Optional: defaults to 2s.
	Every time.Duration

	mu    sync.Mutex
	start time.Time
	last  time.Time
	done  int64
}

// Add records n more rows done and prints a line when one is due.
func (p *Progress) Add(n int64) {
	if p == nil || p.W == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if p.start.IsZero() {
		p.start, p.last = now, now
	}
	p.done += n
	every := p.Every
	if every <= 0 {
		every = 2 * time.Second
	}
	if now.Sub(p.last) >= every {
		p.last = now
		p.print(now)
	}
}

// Done prints the final line.
func (p *Progress) Done() {
	if p == nil || p.W == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.start.IsZero() {
		p.start = time.Now()
	}
	p.print(time.Now())
}

func (p *Progress) print(now time.Time) {
	el := now.Sub(p.start).Seconds()
	rate := 0.0
	if el > 0 {
		rate = float64(p.done) / el
	}
	if p.Total > 0 {
		eta := "?"
		if rate > 0 {
			eta = (time.Duration(float64(max(p.Total-p.done, 0))/rate) * time.Second).Round(time.Second).String()
		}
		fmt.Fprintf(p.W, "%s: %d/%d rows, %.0f rows/s, ETA %s\n", p.What, p.done, p.Total, rate, eta)
		return
	}
	fmt.Fprintf(p.W, "%s: %d rows, %.0f rows/s, %.1fs\n", p.What, p.done, rate, el)
}
