package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/fluxlife/flux"
)

// MaxBodyBytes is the largest request body accepted (1 MiB).
const MaxBodyBytes = 1 << 20

// errorBody is the error shape of every route: detail is what the original
// frontend reads, code the flux error code.
type errorBody struct {
	Detail string            `json:"detail"`
	Code   string            `json:"code"`
	Errors []flux.FieldError `json:"errors,omitempty"`
}

// statusOf maps a flux error code to an HTTP status.
func statusOf(code string) int {
	switch code {
	case flux.EInvalid:
		return http.StatusBadRequest
	case flux.EUnprocessable:
		return http.StatusUnprocessableEntity
	case flux.ENotFound:
		return http.StatusNotFound
	case flux.EConflict:
		return http.StatusConflict
	case flux.EUnauthorized:
		return http.StatusUnauthorized
	case flux.EForbidden:
		return http.StatusForbidden
	case flux.EUnavailable:
		return http.StatusServiceUnavailable
	case flux.ETooMany:
		return http.StatusTooManyRequests
	case flux.ETooLarge:
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusInternalServerError
}

// writeJSON writes v with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	bp := viewBufs.Get().(*[]byte)
	if b, ok := appendView((*bp)[:0], v); ok {
		b = append(b, '\n')
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(b)))
		w.WriteHeader(status)
		_, _ = w.Write(b)
		if cap(b) <= maxPooledView {
			*bp = b
			viewBufs.Put(bp)
		}
		return
	}
	viewBufs.Put(bp)
	b, err := json.Marshal(v)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = io.WriteString(w, `{"detail":"Internal server error","code":"internal"}`)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}

// writeError writes err in the error shape. An error that is not a
// *flux.Error (or is EInternal) is logged with the request id and answered
// with a generic message: internals never leak.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := flux.ErrorCode(err)
	status := statusOf(code)
	body := errorBody{Detail: flux.ErrorMessage(err), Code: code}
	var fe *flux.Error
	if errors.As(err, &fe) && code != flux.EInternal {
		body.Errors = fe.Fields
	}
	if status >= 500 && code != flux.EUnavailable {
		s.log.ErrorContext(r.Context(), "request failed", "request_id", requestID(r.Context()), "error", err)
	} else if status >= 500 {
		s.log.WarnContext(r.Context(), "dependency unavailable", "request_id", requestID(r.Context()), "error", err)
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer`)
	}
	if status == http.StatusTooManyRequests && w.Header().Get("Retry-After") == "" {
		// Every 429 says when to come back: the error's own wait, else a
		// minute.
		wait, ok := flux.RetryAfter(err)
		if !ok {
			wait = defaultRetryAfter
		}
		setRetryAfter(w, wait)
	}
	writeJSON(w, status, body)
}

// decode reads a JSON request body into v: at most MaxBodyBytes (else 413),
// no unknown fields, exactly one JSON value. Its errors name the problem.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeBody(w, r, v, true)
}

func decodeError(err error) error {
	var (
		mbe  *http.MaxBytesError
		se   *json.SyntaxError
		ute  *json.UnmarshalTypeError
		fErr *flux.Error
	)
	switch {
	case errors.As(err, &mbe):
		return &flux.Error{Code: flux.ETooLarge, Message: fmt.Sprintf("request body is larger than %d bytes", mbe.Limit)}
	case errors.Is(err, io.EOF):
		return flux.Invalid("request body is required")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return flux.Invalid("request body is not complete JSON")
	case errors.As(err, &se):
		return flux.Invalid(fmt.Sprintf("request body is not valid JSON (at byte %d)", se.Offset))
	case errors.As(err, &ute):
		field := ute.Field
		if field == "" {
			return flux.Invalid(fmt.Sprintf("request body must be a JSON %s", jsonKind(ute.Type.Kind().String())))
		}
		return flux.Invalid("invalid field "+field, flux.FieldError{Field: field, Message: "must be " + jsonKind(ute.Type.Kind().String())})
	case errors.As(err, &fErr):
		return fErr
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return flux.Invalid("unknown field "+name, flux.FieldError{Field: name, Message: "is not a known field"})
	}
	// Errors from a field's own UnmarshalJSON (a bad "HH:MM", weekday, ...).
	return flux.Invalid("invalid request body: " + err.Error())
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "an integer"
	case "float32", "float64":
		return "a number"
	}
	return "of another type"
}

// decodeLenient reads a JSON request body like decode, for the
// compatibility routes API.md marks lenient: unknown fields are ignored and
// an empty body reads as an empty object. The size limit and the
// single-value rule still hold.
func decodeLenient(w http.ResponseWriter, r *http.Request, v any) error {
	return decodeBody(w, r, v, false)
}

// decodeBody reads one JSON value of at most MaxBodyBytes into v; strict
// refuses unknown fields and an empty body, lenient allows both.
func decodeBody(w http.ResponseWriter, r *http.Request, v any, strict bool) error {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		if !strict && errors.Is(err, io.EOF) {
			return nil
		}
		return decodeError(err)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return decodeError(err)
		}
		return flux.Invalid("request body must hold a single JSON value")
	}
	// One rule for every store: text with NUL characters is refused here,
	// naming the field, rather than kept by one store and refused by the
	// other.
	if fs := flux.TextErrors("", v); len(fs) > 0 {
		return flux.Invalid("invalid field "+fs[0].Field, fs...)
	}
	return nil
}
