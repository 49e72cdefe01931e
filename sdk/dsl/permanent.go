package dsl

import "errors"

// PermanentError marks a component failure that no retry can fix (bad
// input: a malformed DSN, a value out of range, a missing table). The
// executor runtime (sdk/executor) exits with launcher.ExitPermanent for it,
// and the local runner (sdk/local) then fails the task at once instead of
// following its retryPolicy. KFP itself has no such notion: on a KFP
// cluster the retryPolicy still applies to every failure.
type PermanentError struct {
	// Err is the failure.
	Err error
}

// Error returns Err's text.
func (e *PermanentError) Error() string { return e.Err.Error() }

// Unwrap returns Err.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent returns err marked as a failure that retrying cannot fix (a
// *PermanentError wrapping it), or nil for nil. A component's function
// returns it, possibly wrapped further, for bad input:
//
//	if err := validate(in); err != nil {
//		return nil, dsl.Permanent(fmt.Errorf("table %q: %w", name, err))
//	}
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

// IsPermanent reports whether err or an error it wraps is a
// *PermanentError.
func IsPermanent(err error) bool {
	var pe *PermanentError
	return errors.As(err, &pe)
}
