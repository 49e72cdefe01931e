package executor

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// SignalError is the cancellation cause of the context Main gives the
// component when the process receives SIGTERM (what Kubernetes sends when a
// KFP run is cancelled or its pod is deleted) or SIGINT (Ctrl-C). Execute
// returns it, and writes no ExecutorOutput, when the function returns after
// such a cancellation; Run then exits with ExitCode (128 + the signal
// number, the shell convention: 130 for SIGINT, 143 for SIGTERM).
type SignalError struct {
	// Signal is the signal received.
	Signal syscall.Signal
}

// Error returns "cancelled by SIGTERM" (or SIGINT, or the signal's number).
func (e *SignalError) Error() string { return "cancelled by " + signalName(e.Signal) }

// Is makes errors.Is(err, context.Canceled) hold, as for any cancellation.
func (e *SignalError) Is(target error) bool { return target == context.Canceled }

// ExitCode returns 128 + the signal number.
func (e *SignalError) ExitCode() int { return 128 + int(e.Signal) }

// signalName names the signals Main handles.
func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGINT:
		return "SIGINT"
	}
	return fmt.Sprintf("signal %d", int(s))
}

// signalContext returns a context cancelled, with a *SignalError cause, on
// the first SIGTERM or SIGINT. Before cancelling it restores the default
// handling of both signals, so a second signal ends the process at once
// even when the function ignores its context. stop releases the handler.
func signalContext(parent context.Context) (ctx context.Context, stop func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, syscall.SIGTERM, syscall.SIGINT)
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case s := <-ch:
			signal.Stop(ch)
			sig, _ := s.(syscall.Signal)
			cancel(&SignalError{Signal: sig})
		case <-ctx.Done():
			signal.Stop(ch)
		}
	}()
	return ctx, func() {
		cancel(context.Canceled)
		<-done
	}
}
