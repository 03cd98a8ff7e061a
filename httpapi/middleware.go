package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
)

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyPrincipal
	keyUser
	keyLogInfo
)

// logInfo is filled in while a request is served and read by the access log.
type logInfo struct {
	userID string
	// pattern is the ServeMux pattern of the matched route, for metrics.
	pattern string
}

// requestID returns the request's id ("" outside a request).
func requestID(ctx context.Context) string {
	id, _ := ctx.Value(keyRequestID).(string)
	return id
}

// validRequestID accepts a caller's X-Request-ID when it is short and plain.
func validRequestID(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// statusRecorder remembers the status and size of a response.
type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe assigns the request id, recovers panics and writes the access log.
func (s *Server) observe(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-ID")
		if !validRequestID(id) {
			id = newRequestID()
		}
		w.Header().Set("X-Request-ID", id)
		info := &logInfo{}
		ctx := context.WithValue(r.Context(), keyRequestID, id)
		ctx = context.WithValue(ctx, keyLogInfo, info)
		r = r.WithContext(ctx)
		rec := &statusRecorder{ResponseWriter: w}
		done := s.metrics.RequestStarted()
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.ErrorContext(ctx, "panic serving request", "request_id", id, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				if rec.status == 0 {
					s.writeError(rec, r, fmt.Errorf("panic: %v", v))
				}
			}
			end := time.Now()
			if s.access.Enabled(ctx, slog.LevelInfo) {
				// A record made here rather than by Logger.LogAttrs, which
				// would walk the stack for a source line no one reads.
				line := slog.NewRecord(end, slog.LevelInfo, "http request", 0)
				attrs := [7]slog.Attr{
					slog.String("request_id", id), slog.String("method", r.Method), slog.String("path", r.URL.Path),
					slog.Int("status", rec.status), slog.Int("bytes", rec.bytes),
					slog.Float64("duration_ms", float64(end.Sub(start).Microseconds())/1000),
				}
				n := 6
				if info.userID != "" {
					attrs[n], n = slog.String("user_id", info.userID), n+1
				}
				line.AddAttrs(attrs[:n]...)
				_ = s.access.Handle(ctx, line)
			}
			done()
			status := rec.status
			if status == 0 {
				status = http.StatusOK
			}
			s.metrics.ObserveRequest(r.Method, info.pattern, status, end.Sub(start))
		}()
		next.ServeHTTP(rec, r)
	})
}

// caller returns the user the request acts for, set by requireUser.
func caller(ctx context.Context) *flux.User {
	u, _ := ctx.Value(keyUser).(*flux.User)
	return u
}

// principal returns the authenticated principal of the request.
func principal(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(keyPrincipal).(*auth.Principal)
	return p
}

// authenticate verifies the caller and resolves the user the request acts
// for: the token's subject (its row is created on its first request), or,
// for an admin, the user named by the user_id query parameter. An admin
// without a user of their own and no user_id acts for no one yet; see
// Server.user.
func (s *Server) authenticate(r *http.Request) (*http.Request, error) {
	p, err := s.auth.Authenticate(r)
	if err != nil {
		return r, err
	}
	ctx := context.WithValue(r.Context(), keyPrincipal, p)
	userID := p.UserID
	if p.Admin {
		if q := r.URL.Query().Get("user_id"); q != "" {
			userID = q
		}
	}
	if userID == "" {
		return r.WithContext(ctx), nil
	}
	var u *flux.User
	if userID == p.UserID {
		// The row is created on the subject's first request; after that it
		// comes from the authenticator's cache while it is fresh.
		u, err = s.auth.User(ctx, p.UserID, func(ctx context.Context) (*flux.User, error) {
			u, _, err := s.store.Users().EnsureUser(ctx, flux.NewUser(p.UserID, p.Email, p.Name))
			return u, err
		})
		if flux.IsCode(err, flux.EConflict) {
			return r, &flux.Error{Code: flux.EConflict, Message: "another account already uses this e-mail address", Err: err}
		}
	} else {
		u, err = s.store.Users().GetUser(ctx, userID)
	}
	if err != nil {
		return r, err
	}
	if info, ok := ctx.Value(keyLogInfo).(*logInfo); ok {
		info.userID = u.ID
	}
	ctx = context.WithValue(ctx, keyUser, u)
	return r.WithContext(ctx), nil
}

// user returns the user a request acts for. bodyUserID is the user_id a
// compatibility route's body carries: it is honoured only for an admin
// caller, and ignored for everyone else (the token decides who they are).
// For an admin with no user to act for it is an EInvalid error.
func (s *Server) user(r *http.Request, bodyUserID string) (*flux.User, error) {
	ctx := r.Context()
	if p := principal(ctx); p != nil && p.Admin && bodyUserID != "" {
		u, err := s.store.Users().GetUser(ctx, bodyUserID)
		if err != nil {
			return nil, err
		}
		if info, ok := ctx.Value(keyLogInfo).(*logInfo); ok {
			info.userID = u.ID
		}
		return u, nil
	}
	if u := caller(ctx); u != nil {
		return u, nil
	}
	return nil, flux.Invalid("user_id is required for an admin caller",
		flux.FieldError{Field: "user_id", Message: "names the user to act for"})
}
