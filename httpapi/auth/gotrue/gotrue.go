// Package gotrue serves the part of Supabase Auth (GoTrue) that
// @supabase/supabase-js and @supabase/ssr clients use to sign in, on top of
// the local sign-in of package auth, so that a Supabase client pointed at
// fluxd (SUPABASE_URL = fluxd's URL) works without a Supabase project:
//
//	POST /auth/v1/signup                          {email, password, data}
//	POST /auth/v1/token?grant_type=password       {email, password}
//	POST /auth/v1/token?grant_type=refresh_token  {refresh_token}
//	GET  /auth/v1/user                            the bearer token's user
//	POST /auth/v1/logout?scope=global|local|others
//	GET  /auth/v1/authorize?provider=...          OAuth providers are not enabled
//
// Requests, sessions, users and errors have GoTrue's shapes: errors are
// {"code": <status>, "error_code", "msg"}, or {"code", "message"} when the
// request carries X-Supabase-Api-Version 2024-01-01 or later (as
// supabase-js sends it), with the error codes of GoTrue
// (invalid_credentials, user_already_exists, weak_password,
// validation_failed, bad_json, refresh_token_not_found,
// refresh_token_already_used, over_request_rate_limit, ...).
//
// Sign-up and password sign-in are rate limited per e-mail address and per
// client address, refreshes per client address. When an anon key is
// configured, every call but /authorize must present it as Supabase's API
// gateway requires: in the apikey header, or, on the calls that carry no
// user token, as the bearer token.
package gotrue

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/fluxlife/flux/httpapi/internal/keyrate"
)

// Limits are the rate limits of the sign-in routes: a token bucket per key,
// refilled at PerMinute tokens a minute, holding at most Burst. Zero fields
// take the defaults of DefaultLimits.
type Limits struct {
	// EmailPerMinute and EmailBurst bound sign-ups and password sign-ins
	// per e-mail address.
	EmailPerMinute float64
	EmailBurst     int
	// AddressPerMinute and AddressBurst bound sign-ups and password
	// sign-ins per client address.
	AddressPerMinute float64
	AddressBurst     int
	// RefreshPerMinute and RefreshBurst bound refreshes per client
	// address.
	RefreshPerMinute float64
	RefreshBurst     int
}

// DefaultLimits: 5 attempts a minute per e-mail address (10 at once), 30 a
// minute per client address, and 60 refreshes a minute per client address
// (150 at once, Supabase's default for five minutes).
var DefaultLimits = Limits{
	EmailPerMinute: 5, EmailBurst: 10,
	AddressPerMinute: 30, AddressBurst: 30,
	RefreshPerMinute: 60, RefreshBurst: 150,
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.EmailPerMinute > 0 {
		d.EmailPerMinute = l.EmailPerMinute
	}
	if l.EmailBurst > 0 {
		d.EmailBurst = l.EmailBurst
	}
	if l.AddressPerMinute > 0 {
		d.AddressPerMinute = l.AddressPerMinute
	}
	if l.AddressBurst > 0 {
		d.AddressBurst = l.AddressBurst
	}
	if l.RefreshPerMinute > 0 {
		d.RefreshPerMinute = l.RefreshPerMinute
	}
	if l.RefreshBurst > 0 {
		d.RefreshBurst = l.RefreshBurst
	}
	return d
}

// Config configures a Handler.
type Config struct {
	// Auth signs users in; it must be in local mode. Required.
	Auth *auth.Authenticator
	// AnonKey, when set, is the key every call must present (see the
	// package documentation); empty accepts any.
	AnonKey string
	// Limits are the rate limits; zero fields take DefaultLimits.
	Limits Limits
	// Clock; nil means the system clock.
	Clock flux.Clock
	// Logger; nil means slog.Default().
	Logger *slog.Logger
}

// Handler serves the sign-in routes.
type Handler struct {
	auth     *auth.Authenticator
	anonKey  string
	clock    flux.Clock
	log      *slog.Logger
	byEmail  *keyrate.Limiter
	byAddr   *keyrate.Limiter
	byReAddr *keyrate.Limiter
}

// New returns a Handler. It fails when cfg.Auth is not in local mode.
func New(cfg Config) (*Handler, error) {
	if cfg.Auth == nil || cfg.Auth.Mode() != auth.ModeLocal {
		return nil, errors.New("gotrue: local sign-in needs an authenticator in local mode")
	}
	h := &Handler{auth: cfg.Auth, anonKey: cfg.AnonKey, clock: cfg.Clock, log: cfg.Logger}
	if h.clock == nil {
		h.clock = flux.SystemClock{}
	}
	if h.log == nil {
		h.log = slog.Default()
	}
	l := cfg.Limits.withDefaults()
	h.byEmail = keyrate.New(l.EmailPerMinute, l.EmailBurst)
	h.byAddr = keyrate.New(l.AddressPerMinute, l.AddressBurst)
	h.byReAddr = keyrate.New(l.RefreshPerMinute, l.RefreshBurst)
	return h, nil
}

// Endpoint is one route of the Handler, for its server to register and
// document.
type Endpoint struct {
	Method, Path, Summary string
	// Request and Response are example values of the bodies (nil: none).
	Request, Response any
	// Status is the success status.
	Status int
	// Bearer routes take the user's access token.
	Bearer bool
	// Optional marks a request body that may be left out.
	Optional bool
	Handler  http.HandlerFunc
}

// Endpoints returns the routes, under /auth/v1.
func (h *Handler) Endpoints() []Endpoint {
	return []Endpoint{
		{Method: "POST", Path: "/auth/v1/signup", Summary: "Sign up with e-mail and password (Supabase Auth); answers a session",
			Request: SignupRequest{}, Response: Session{}, Status: http.StatusOK, Handler: h.signup},
		{Method: "POST", Path: "/auth/v1/token", Summary: "Sign in: ?grant_type=password {email, password} or ?grant_type=refresh_token {refresh_token} (Supabase Auth); answers a session",
			Request: TokenRequest{}, Response: Session{}, Status: http.StatusOK, Handler: h.token},
		{Method: "GET", Path: "/auth/v1/user", Summary: "The access token's user (Supabase Auth)",
			Response: User{}, Status: http.StatusOK, Bearer: true, Handler: h.user},
		{Method: "POST", Path: "/auth/v1/logout", Summary: "Sign out: ?scope=global (default), local or others; revokes the sessions' refresh and access tokens",
			Status: http.StatusNoContent, Bearer: true, Optional: true, Handler: h.logout},
		{Method: "GET", Path: "/auth/v1/authorize", Summary: "OAuth sign-in: no provider is enabled (Supabase Auth's error)",
			Status: http.StatusBadRequest, Handler: h.authorize},
	}
}

// apiError is an error in GoTrue's shape.
type apiError struct {
	status  int
	code    string
	msg     string
	reasons []string // weak_password
	// oauth errors are {"error", "error_description"}.
	oauth bool
	// retryAfter is the Retry-After of a 429, in seconds.
	retryAfter int
	// gateway errors are the API gateway's {"message", "hint"}.
	hint string
	// cause is logged, never shown.
	cause error
}

func (e *apiError) Error() string { return e.code + ": " + e.msg }

func fail(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

// The error codes of Supabase Auth used here.
const (
	codeValidationFailed      = "validation_failed"
	codeBadJSON               = "bad_json"
	codeInvalidCredentials    = "invalid_credentials"
	codeUserAlreadyExists     = "user_already_exists"
	codeWeakPassword          = "weak_password"
	codeRefreshNotFound       = "refresh_token_not_found"
	codeRefreshAlreadyUsed    = "refresh_token_already_used"
	codeOverRequestRateLimit  = "over_request_rate_limit"
	codeNoAuthorization       = "no_authorization"
	codeBadJWT                = "bad_jwt"
	codeSessionNotFound       = "session_not_found"
	codeUserNotFound          = "user_not_found"
	codePhoneProviderDisabled = "phone_provider_disabled"
	codeFlowStateNotFound     = "flow_state_not_found"
	codeUnexpectedFailure     = "unexpected_failure"
	codeRequestTooLarge       = "request_entity_too_large"
)

// apiVersionHeader is the request header by which supabase-js asks for the
// 2024-01-01 error shape; the answer echoes it.
const apiVersionHeader = "X-Supabase-Api-Version"

var apiVersion20240101 = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

// writeError answers e in GoTrue's shape for the request's API version.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, e *apiError) {
	if e.status >= 500 {
		h.log.ErrorContext(r.Context(), "auth: sign-in request failed", "path", r.URL.Path, "error", e.cause)
	}
	if e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	var body any
	switch {
	case e.hint != "":
		body = map[string]string{"message": e.msg, "hint": e.hint}
	case e.oauth:
		body = map[string]string{"error": e.code, "error_description": e.msg}
	case newErrorShape(r):
		w.Header().Set(apiVersionHeader, "2024-01-01")
		m := map[string]any{"code": e.code, "message": e.msg}
		if e.code == codeWeakPassword {
			m["weak_password"] = map[string]any{"reasons": e.reasons}
		}
		body = m
	default:
		out := ErrorResponse{Code: e.status, ErrorCode: e.code, Msg: e.msg}
		if e.code == codeWeakPassword {
			out.WeakPassword = &struct {
				Reasons []string `json:"reasons"`
			}{e.reasons}
		}
		body = out
	}
	writeJSON(w, e.status, body)
}

// newErrorShape reports whether the request asks for the 2024-01-01 error
// shape (an X-Supabase-Api-Version date on or after it).
func newErrorShape(r *http.Request) bool {
	v := r.Header.Get(apiVersionHeader)
	if v == "" {
		return false
	}
	d, err := time.ParseInLocation("2006-01-02", v, time.UTC)
	return err == nil && !d.Before(apiVersion20240101)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":500,"error_code":"unexpected_failure","msg":"Unexpected failure, please check server logs for more information"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// asAPIError maps an error of package auth to GoTrue's.
func asAPIError(err error) *apiError {
	var (
		ae  *apiError
		wpe *auth.WeakPasswordError
		fe  *flux.Error
	)
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.As(err, &wpe):
		return &apiError{status: http.StatusUnprocessableEntity, code: codeWeakPassword, msg: wpe.Message, reasons: wpe.Reasons}
	case errors.Is(err, auth.ErrInvalidCredentials):
		return fail(http.StatusBadRequest, codeInvalidCredentials, "%s", auth.ErrInvalidCredentials.Message)
	case errors.Is(err, auth.ErrUserExists):
		return fail(http.StatusUnprocessableEntity, codeUserAlreadyExists, "%s", auth.ErrUserExists.Message)
	case errors.Is(err, auth.ErrRefreshTokenNotFound):
		return fail(http.StatusBadRequest, codeRefreshNotFound, "%s", auth.ErrRefreshTokenNotFound.Message)
	case errors.Is(err, auth.ErrRefreshTokenUsed):
		return fail(http.StatusBadRequest, codeRefreshAlreadyUsed, "%s", auth.ErrRefreshTokenUsed.Message)
	case errors.As(err, &fe) && fe.Code == flux.EInvalid:
		return fail(http.StatusBadRequest, codeValidationFailed, "%s", fe.Message)
	}
	return &apiError{status: http.StatusInternalServerError, code: codeUnexpectedFailure,
		msg: "Unexpected failure, please check server logs for more information", cause: err}
}

// maxBody bounds a request body (1 MiB).
const maxBody = 1 << 20

// decode reads a JSON body as GoTrue does: unknown fields are ignored; a
// body that is not JSON of the right types is 400 bad_json. An empty body
// of an optional route reads as {}.
func decode(w http.ResponseWriter, r *http.Request, v any) *apiError {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return fail(http.StatusRequestEntityTooLarge, codeRequestTooLarge, "Request body too large (max %d bytes)", mbe.Limit)
		}
		return fail(http.StatusBadRequest, codeBadJSON, "Could not read the request body")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fail(http.StatusBadRequest, codeBadJSON, "Could not parse request body as JSON: %v", err)
	}
	return nil
}

// checkAPIKey enforces the anon key, when one is configured. bearerOK says
// whether the key may come as the bearer token (calls without a user).
func (h *Handler) checkAPIKey(r *http.Request, bearerOK bool) *apiError {
	if h.anonKey == "" {
		return nil
	}
	key := r.Header.Get("apikey")
	if key == "" {
		key = r.URL.Query().Get("apikey")
	}
	if key == "" && bearerOK {
		if s, tok, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(s, "Bearer") {
			key = strings.TrimSpace(tok)
		}
	}
	if key == "" {
		return &apiError{status: http.StatusUnauthorized, msg: "No API key found in request", hint: "No `apikey` request header or url param was found."}
	}
	if subtle.ConstantTimeCompare([]byte(key), []byte(h.anonKey)) != 1 {
		return &apiError{status: http.StatusUnauthorized, msg: "Invalid API key", hint: "Double check your Supabase `anon` or `service_role` API key."}
	}
	return nil
}

// clientAddress is the request's peer address, without the port.
func clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// limit takes one attempt from each bucket; past any it is 429.
func (h *Handler) limit(checks ...func(time.Time) (bool, time.Duration)) *apiError {
	now := h.clock.Now()
	for _, c := range checks {
		if ok, wait := c(now); !ok {
			return &apiError{status: http.StatusTooManyRequests, code: codeOverRequestRateLimit,
				msg: "Request rate limit reached", retryAfter: max(1, int(math.Ceil(wait.Seconds())))}
		}
	}
	return nil
}

func (h *Handler) signup(w http.ResponseWriter, r *http.Request) {
	if e := h.checkAPIKey(r, true); e != nil {
		h.writeError(w, r, e)
		return
	}
	var req SignupRequest
	if e := decode(w, r, &req); e != nil {
		h.writeError(w, r, e)
		return
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if e := h.limit(taker(h.byAddr, clientAddress(r)), taker(h.byEmail, email)); e != nil {
		h.writeError(w, r, e)
		return
	}
	// GoTrue's order: the password, then the identity.
	if err := h.auth.CheckPasswordStrength(req.Password); err != nil {
		h.writeError(w, r, asAPIError(err))
		return
	}
	switch {
	case req.Email != "" && req.Phone != "":
		h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "Only an email address or phone number should be provided on signup."))
		return
	case req.Email == "" && req.Phone != "":
		h.writeError(w, r, fail(http.StatusBadRequest, codePhoneProviderDisabled, "Phone signups are disabled"))
		return
	case req.Email == "":
		h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "Sign up only available with email provider"))
		return
	}
	name := ""
	for _, k := range []string{"name", "full_name"} {
		if v, ok := req.Data[k].(string); ok && strings.TrimSpace(v) != "" {
			name = v
			break
		}
	}
	s, err := h.auth.SignUp(r.Context(), req.Email, req.Password, name)
	if err != nil {
		h.writeError(w, r, asAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, sessionShape(s))
}

func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	if e := h.checkAPIKey(r, true); e != nil {
		h.writeError(w, r, e)
		return
	}
	switch r.URL.Query().Get("grant_type") {
	case "password":
		h.passwordGrant(w, r)
	case "refresh_token":
		h.refreshGrant(w, r)
	case "pkce":
		var req TokenRequest
		if e := decode(w, r, &req); e != nil {
			h.writeError(w, r, e)
			return
		}
		if req.AuthCode == "" || req.CodeVerifier == "" {
			h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "invalid request: both auth code and code verifier should be non-empty"))
			return
		}
		// No OAuth provider is enabled, so no flow state is ever made.
		h.writeError(w, r, fail(http.StatusNotFound, codeFlowStateNotFound, "invalid flow state, no valid flow state found"))
	default:
		h.writeError(w, r, fail(http.StatusBadRequest, codeInvalidCredentials, "unsupported_grant_type"))
	}
}

func (h *Handler) passwordGrant(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if e := decode(w, r, &req); e != nil {
		h.writeError(w, r, e)
		return
	}
	switch {
	case req.Email != "" && req.Phone != "":
		h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "Only an email address or phone number should be provided on login."))
		return
	case req.Email == "" && req.Phone != "":
		h.writeError(w, r, fail(http.StatusUnprocessableEntity, codePhoneProviderDisabled, "Phone logins are disabled"))
		return
	case req.Email == "":
		h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "missing email or phone"))
		return
	}
	email := strings.ToLower(strings.TrimSpace(req.Email))
	if e := h.limit(taker(h.byAddr, clientAddress(r)), taker(h.byEmail, email)); e != nil {
		h.writeError(w, r, e)
		return
	}
	s, err := h.auth.SignInWithPassword(r.Context(), email, req.Password)
	if err != nil {
		h.writeError(w, r, asAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, sessionShape(s))
}

func (h *Handler) refreshGrant(w http.ResponseWriter, r *http.Request) {
	var req TokenRequest
	if e := decode(w, r, &req); e != nil {
		h.writeError(w, r, e)
		return
	}
	if req.RefreshToken == "" {
		h.writeError(w, r, &apiError{status: http.StatusBadRequest, code: "invalid_request", msg: "refresh_token required", oauth: true})
		return
	}
	if e := h.limit(taker(h.byReAddr, clientAddress(r))); e != nil {
		h.writeError(w, r, e)
		return
	}
	s, err := h.auth.RefreshSession(r.Context(), req.RefreshToken)
	if err != nil {
		h.writeError(w, r, asAPIError(err))
		return
	}
	writeJSON(w, http.StatusOK, sessionShape(s))
}

// authenticate verifies the bearer token of /user and /logout, with
// GoTrue's errors.
func (h *Handler) authenticate(r *http.Request) (*auth.Principal, *apiError) {
	if e := h.checkAPIKey(r, false); e != nil {
		return nil, e
	}
	s, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(s, "Bearer") || strings.TrimSpace(tok) == "" {
		return nil, fail(http.StatusUnauthorized, codeNoAuthorization, "This endpoint requires a valid Bearer token")
	}
	p, err := h.auth.Verify(r.Context(), strings.TrimSpace(tok))
	switch {
	case errors.Is(err, auth.ErrExpired):
		return nil, fail(http.StatusForbidden, codeBadJWT, "invalid JWT: unable to parse or verify signature, token has invalid claims: token is expired")
	case errors.Is(err, auth.ErrRevoked):
		return nil, fail(http.StatusForbidden, codeSessionNotFound, "Session from session_id claim in JWT does not exist")
	case flux.IsCode(err, flux.EUnauthorized):
		return nil, fail(http.StatusForbidden, codeBadJWT, "invalid JWT: unable to parse or verify signature, token is invalid")
	case err != nil:
		return nil, asAPIError(err)
	case p.UserID == "":
		return nil, fail(http.StatusForbidden, codeBadJWT, "invalid claim: missing sub claim")
	}
	return p, nil
}

func (h *Handler) user(w http.ResponseWriter, r *http.Request) {
	p, e := h.authenticate(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	u, sess, err := h.auth.SessionOf(r.Context(), p)
	switch {
	case flux.IsCode(err, flux.ENotFound) && u == nil:
		h.writeError(w, r, fail(http.StatusForbidden, codeUserNotFound, "User from sub claim in JWT does not exist"))
		return
	case flux.IsCode(err, flux.ENotFound):
		h.writeError(w, r, fail(http.StatusForbidden, codeSessionNotFound, "Session from session_id claim in JWT does not exist"))
		return
	case err != nil:
		h.writeError(w, r, asAPIError(err))
		return
	}
	var signedIn *time.Time
	if sess != nil {
		signedIn = &sess.CreatedAt
	}
	writeJSON(w, http.StatusOK, userShape(u, signedIn))
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	p, e := h.authenticate(r)
	if e != nil {
		h.writeError(w, r, e)
		return
	}
	scope := r.URL.Query().Get("scope")
	switch scope {
	case "", auth.ScopeGlobal, auth.ScopeLocal, auth.ScopeOthers:
	default:
		h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "Unsupported logout scope %q", scope))
		return
	}
	if err := h.auth.SignOut(r.Context(), p, scope); err != nil {
		h.writeError(w, r, asAPIError(err))
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	// Supabase Auth's answer for a provider that is not enabled; local
	// sign-in has e-mail and password only.
	h.writeError(w, r, fail(http.StatusBadRequest, codeValidationFailed, "Unsupported provider: provider is not enabled"))
}
