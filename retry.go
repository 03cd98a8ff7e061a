package flux

import (
	"errors"
	"time"
)

// retryAfter carries how long to wait before retrying, under the error it
// wraps.
type retryAfter struct {
	wait time.Duration
	err  error
}

func (r *retryAfter) Error() string {
	if r.err == nil {
		return "retry after " + r.wait.String()
	}
	return r.err.Error()
}

func (r *retryAfter) Unwrap() error { return r.err }

// WithRetryAfter returns e (an ETooMany or EUnavailable error, say) saying
// that retrying after wait may succeed; the HTTP layer sends it as
// Retry-After. e's Err is kept beneath it.
func WithRetryAfter(e *Error, wait time.Duration) *Error {
	e.Err = &retryAfter{wait: wait, err: e.Err}
	return e
}

// RetryAfter returns the wait WithRetryAfter put into err, if any.
func RetryAfter(err error) (time.Duration, bool) {
	var r *retryAfter
	if errors.As(err, &r) {
		return r.wait, true
	}
	return 0, false
}
