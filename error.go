package flux

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
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

// Error implements error: the code, the message, every field error
// ("invalid: invalid busy: busy[0].kind: is required; busy[1].end: is
// required") and, last, the cause. It is for logs and tests; a client sees
// ErrorMessage and Fields.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if len(e.Fields) > 0 {
		b.WriteString(": ")
		b.WriteString(fieldText(e.Fields))
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with the given code and a formatted message.
// A %w verb wraps its argument as the cause, as fmt.Errorf does, but the
// cause's text never enters Message, which is shown to clients: in Message
// a %w argument reads as its own safe message when it is an *Error with a
// code other than EInternal (what ErrorMessage would show), and as nothing
// otherwise, separators left dangling at the end trimmed. Error() still
// ends with the cause's full text, for logs.
func Errorf(code, format string, args ...any) *Error {
	wrapped := fmt.Errorf(format, args...)
	e := &Error{Code: code, Message: wrapped.Error()}
	u := errors.Unwrap(wrapped)
	var us []error
	if multi, ok := wrapped.(interface{ Unwrap() []error }); ok {
		us = multi.Unwrap()
	}
	if u == nil && len(us) == 0 {
		return e
	}
	if u != nil {
		e.Err = u
	} else {
		e.Err = errors.Join(us...)
	}
	safe := make([]any, len(args))
	for i, a := range args {
		if err, ok := a.(error); ok && (err == u || slices.Contains(us, err)) {
			a = safeText{err}
		}
		safe[i] = a
	}
	msg := strings.ReplaceAll(format, "%w", "%v")
	e.Message = strings.TrimRight(fmt.Sprintf(msg, safe...), " :;,-")
	return e
}

// fieldText lists field errors as "field: message; field: message".
func fieldText(fs []FieldError) string {
	var b strings.Builder
	for i, f := range fs {
		if i > 0 {
			b.WriteString("; ")
		}
		if f.Field != "" {
			b.WriteString(f.Field)
			b.WriteString(": ")
		}
		b.WriteString(f.Message)
	}
	return b.String()
}

// safeText prints an error as the text a client may see: the message of a
// non-internal *Error, or nothing.
type safeText struct{ err error }

// Format implements fmt.Formatter.
func (s safeText) Format(f fmt.State, _ rune) {
	var e *Error
	if errors.As(s.err, &e) && e.Code != EInternal {
		if m := ErrorMessage(e); m != "Internal server error" {
			_, _ = io.WriteString(f, m)
		}
	}
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
	if errors.As(err, &e) && e.Code != EInternal {
		if e.Message != "" {
			return e.Message
		}
		if len(e.Fields) > 0 {
			return fieldText(e.Fields)
		}
	}
	return "Internal server error"
}

// IsCode reports whether err carries the given code.
func IsCode(err error, code string) bool { return ErrorCode(err) == code }
