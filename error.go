package flux

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in httpapi; a caller branches on
// the code, never on the message.
const (
	EInvalid       = "invalid"       // the input is wrong; Message says how
	ENotFound      = "not_found"     // no such thing, or not the caller's
	EConflict      = "conflict"      // the change clashes with what is stored
	EUnauthorized  = "unauthorized"  // no or bad credentials
	EForbidden     = "forbidden"     // credentials fine, action not allowed
	EUnavailable   = "unavailable"   // a dependency is down or not configured
	ETooMany       = "rate_limited"  // a limit was reached; retry later
	ETooLarge      = "too_large"     // the request body is too big
	EInternal      = "internal"      // anything else; never shown to a client
	EUnprocessable = "unprocessable" // well-formed but semantically unusable
)

// FieldError names one invalid field of a request.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is the one error type of Flux. Code is one of the E* constants;
// Message is safe to show to the user. Fields lists per-field problems of an
// EInvalid error. Err, when set, is the underlying cause; it is logged, never
// shown.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

// Error implements error.
func (e *Error) Error() string {
	switch {
	case e.Err != nil && e.Message != "":
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	case e.Err != nil:
		return fmt.Sprintf("%s: %v", e.Code, e.Err)
	default:
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
// A %w verb in format wraps its argument as the cause, as fmt.Errorf does.
func Errorf(code, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, args...)
	e := &Error{Code: code, Message: wrapped.Error()}
	if u := errors.Unwrap(wrapped); u != nil {
		e.Err = u
	}
	return e
}

// Invalid returns an EInvalid error listing the given field problems.
func Invalid(message string, fields ...FieldError) *Error {
	return &Error{Code: EInvalid, Message: message, Fields: fields}
}

// NotFound returns an ENotFound error saying what was not found.
func NotFound(what string) *Error {
	return &Error{Code: ENotFound, Message: what + " not found"}
}

// ErrorCode returns the code of the first *Error in err's chain, EInternal for
// any other non-nil error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EInternal
}

// ErrorMessage returns the user-facing message of err: the Message of the
// first *Error in its chain, or a generic text for anything else, so that an
// internal error's text never reaches a client.
func ErrorMessage(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) && e.Code != EInternal && e.Message != "" {
		return e.Message
	}
	return "Internal server error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
