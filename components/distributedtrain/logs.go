package distributedtrain

import (
	"bufio"
	"fmt"
	"io"
	"sync"
)

// logMux writes replica log lines to one output, each prefixed
// "[replica] ", and remembers the last lines of every replica for error
// messages.
type logMux struct {
	mu    sync.Mutex
	out   io.Writer
	limit int
	tails map[string][]string
}

func newLogMux(out io.Writer, tailLines int) *logMux {
	return &logMux{out: out, limit: tailLines, tails: map[string][]string{}}
}

// copy reads r line by line until EOF or error, forwarding each line.
// Lines longer than 1 MiB are cut.
func (m *logMux) copy(replica string, r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		m.line(replica, sc.Text())
	}
}

func (m *logMux) line(replica, text string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	fmt.Fprintf(m.out, "[%s] %s\n", replica, text)
	t := append(m.tails[replica], text)
	if len(t) > m.limit {
		t = t[len(t)-m.limit:]
	}
	m.tails[replica] = t
}

func (m *logMux) tail(replica string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]string(nil), m.tails[replica]...)
}
