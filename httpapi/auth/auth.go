// Package auth authenticates fluxd's callers. It verifies Supabase access
// tokens (HS256 with the project's JWT secret, or ES256/RS256 from the
// project's JWKS), audience "authenticated", expiry required; and, when no
// Supabase settings are given, runs in local mode: it keeps its own signing
// secret in the Flux store and mints tokens for `fluxd token`, each recorded
// so that it can be revoked. An admin is a caller whose token has the role
// claim "service_role", or who presents the configured admin token.
package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/fluxlife/flux"
	"github.com/golang-jwt/jwt/v5"
)

// Audience is the audience every accepted token must carry.
const Audience = "authenticated"

// localIssuer is the iss claim of tokens minted in local mode.
const localIssuer = "fluxd-local"

// localSecretName names the local signing secret in the SecretStore.
const localSecretName = "auth.local_signing_key"

// AdminRole is the role claim that makes a token an admin's.
const AdminRole = "service_role"

// Leeway is the clock skew allowed on a token's expiry and not-before
// times: a token that expired longer ago than this is refused.
const Leeway = 5 * time.Second

// Principal is the authenticated caller.
type Principal struct {
	// UserID is the token's subject; empty for the bare admin token.
	UserID string
	Email  string
	Name   string
	Role   string
	// SessionID is the token's session_id claim: the sign-in session it
	// was minted for (local sign-in or Supabase); empty for the tokens of
	// `fluxd token`.
	SessionID string
	// Admin callers may act for any user.
	Admin bool
}

// Mode says how tokens are verified.
type Mode string

// Modes.
const (
	ModeLocal    Mode = "local"    // tokens minted by this server
	ModeSupabase Mode = "supabase" // Supabase access tokens
)

// Config configures an Authenticator. Without SupabaseJWTSecret and
// SupabaseURL it runs in local mode.
type Config struct {
	// Store keeps the local signing secret and the local tokens.
	Store flux.Store
	// SupabaseURL enables JWKS verification ({SupabaseURL}/auth/v1/.well-known/jwks.json).
	SupabaseURL string
	// SupabaseJWTSecret enables HS256 verification of Supabase tokens.
	SupabaseJWTSecret string
	// AdminToken, when set, is a bearer token that makes its caller an admin.
	AdminToken string
	// Clock is the time source; nil means the system clock.
	Clock flux.Clock
	// HTTPClient fetches the JWKS; nil means a client with a 10s timeout.
	HTTPClient *http.Client
	// Logger; nil means slog.Default().
	Logger *slog.Logger

	// The settings of local sign-in (see SignUp), used in local mode only.

	// AccessTokenTTL is the lifetime of a signed-in session's access
	// tokens; 0 means DefaultAccessTokenTTL (1 hour, as Supabase's).
	AccessTokenTTL time.Duration
	// RefreshReuseInterval is how long after its use a refresh token may be
	// presented again (two requests that refreshed the same session at
	// once), getting a new token of the same session instead of revoking
	// it; 0 means DefaultRefreshReuseInterval (10s, as Supabase's);
	// negative means never.
	RefreshReuseInterval time.Duration
	// Password sets the argon2id cost of new password hashes; zero means
	// DefaultPasswordParams.
	Password PasswordParams
	// MinPasswordLength is the shortest password sign-up accepts; 0 means
	// DefaultMinPasswordLength (6, as Supabase's).
	MinPasswordLength int

	// CacheTTL is how long a verified token (its signature, its claims
	// and, in local mode, its record in the store) and a user row are
	// trusted without verifying or reading them again (see
	// DefaultCacheTTL, 10s); a negative value turns the cache off.
	// Revocations made through this Authenticator (or reported to Revoked,
	// or through a store passed through Watch) take effect at once here
	// and, with Peers, on the other replicas as soon as the announcement
	// arrives; any other change to a token or a user row is seen within
	// CacheTTL.
	CacheTTL time.Duration
	// CacheSize caps the tokens and the users the cache holds; 0 means
	// DefaultCacheSize.
	CacheSize int
	// Peers, when set, announces this replica's revocations to the other
	// replicas of the store.
	Peers Peers
}

// Authenticator verifies bearer tokens.
type Authenticator struct {
	cfg        Config
	mode       Mode
	hmacSecret []byte
	jwks       keyfunc.Keyfunc
	clock      flux.Clock
	log        *slog.Logger
	cache      *cache // nil when turned off
}

// New returns an Authenticator. In local mode it loads (or creates, on
// first start) the signing secret from the store. In Supabase mode with a
// URL it starts fetching the JWKS in the background until ctx ends.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	a := &Authenticator{cfg: cfg, clock: cfg.Clock, log: cfg.Logger}
	if a.clock == nil {
		a.clock = flux.SystemClock{}
	}
	if a.log == nil {
		a.log = slog.Default()
	}
	a.cache = newCache(cfg.CacheTTL, cfg.CacheSize, a.clock)
	if cfg.SupabaseJWTSecret == "" && cfg.SupabaseURL == "" {
		if cfg.Store == nil {
			return nil, errors.New("auth: local mode needs a store")
		}
		key, err := cfg.Store.Secrets().Secret(ctx, localSecretName, func() ([]byte, error) {
			b := make([]byte, 32)
			_, err := rand.Read(b)
			return b, err
		})
		if err != nil {
			return nil, fmt.Errorf("auth: load local signing key: %w", err)
		}
		a.mode, a.hmacSecret = ModeLocal, key
		return a, nil
	}
	a.mode = ModeSupabase
	if cfg.SupabaseJWTSecret != "" {
		a.hmacSecret = []byte(cfg.SupabaseJWTSecret)
	}
	if cfg.SupabaseURL != "" {
		client := cfg.HTTPClient
		if client == nil {
			client = &http.Client{Timeout: 10 * time.Second}
		}
		u := strings.TrimRight(cfg.SupabaseURL, "/") + "/auth/v1/.well-known/jwks.json"
		kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{u}, keyfunc.Override{
			Client:      client,
			HTTPTimeout: 10 * time.Second,
			RefreshErrorHandlerFunc: func(string) func(context.Context, error) {
				return func(ctx context.Context, err error) {
					a.log.WarnContext(ctx, "auth: refreshing JWKS failed", "error", err)
				}
			},
		})
		if err != nil {
			return nil, fmt.Errorf("auth: JWKS from %s: %w", u, err)
		}
		a.jwks = kf
	}
	return a, nil
}

// Mode reports how tokens are verified.
func (a *Authenticator) Mode() Mode { return a.mode }

// Claims are the claims fluxd reads from a token, and writes into the
// tokens it mints (with Supabase's names).
type Claims struct {
	jwt.RegisteredClaims
	Email        string         `json:"email,omitempty"`
	Phone        string         `json:"phone,omitempty"`
	Role         string         `json:"role,omitempty"`
	AppMetadata  map[string]any `json:"app_metadata,omitempty"`
	UserMetadata map[string]any `json:"user_metadata,omitempty"`
	SessionID    string         `json:"session_id,omitempty"`
	// AAL and AMR say how the session signed in (Supabase's "aal1" and
	// [{"method": "password", "timestamp": ...}]).
	AAL string     `json:"aal,omitempty"`
	AMR []AMREntry `json:"amr,omitempty"`
	// IsAnonymous is false in the tokens of local sign-in.
	IsAnonymous *bool `json:"is_anonymous,omitempty"`
}

// AMREntry is one authentication method of a session.
type AMREntry struct {
	Method    string `json:"method"`
	Timestamp int64  `json:"timestamp"`
}

// ErrExpired is wrapped by the error for an expired token.
var ErrExpired = &flux.Error{Code: flux.EUnauthorized, Message: "Token expired"}

var errInvalid = &flux.Error{Code: flux.EUnauthorized, Message: "Invalid or expired token"}

// ErrRevoked is the error for a well-signed local token that was revoked:
// signed out, its session revoked, or its user deleted. Its message is
// errInvalid's; only the sign-in routes tell the two apart.
var ErrRevoked = &flux.Error{Code: flux.EUnauthorized, Message: "Invalid or expired token"}
var errMissing = &flux.Error{Code: flux.EUnauthorized, Message: "Not authenticated"}

// Authenticate reads the bearer token of r and returns its caller, or an
// EUnauthorized error ("Not authenticated", "Token expired", "Invalid or
// expired token").
func (a *Authenticator) Authenticate(r *http.Request) (*Principal, error) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return nil, errMissing
	}
	token = strings.TrimSpace(token)
	if a.cfg.AdminToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(a.cfg.AdminToken)) == 1 {
		return &Principal{Role: AdminRole, Admin: true}, nil
	}
	return a.Verify(r.Context(), token)
}

// Verify checks a token and returns its caller.
func (a *Authenticator) Verify(ctx context.Context, token string) (*Principal, error) {
	var epoch uint64
	if a.cache != nil {
		a.cache.observe(a.clock.Now())
		if p := a.cache.token(token); p != nil {
			return p, nil
		}
		epoch = a.cache.snapshot()
	}
	var claims Claims
	parser := jwt.NewParser(
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithTimeFunc(a.clock.Now),
		jwt.WithLeeway(Leeway),
		jwt.WithValidMethods(a.methods()),
	)
	_, err := parser.ParseWithClaims(token, &claims, a.key)
	if err != nil {
		if errors.Is(err, jwt.ErrTokenExpired) {
			return nil, ErrExpired
		}
		a.log.DebugContext(ctx, "auth: token rejected", "reason", err.Error())
		return nil, errInvalid
	}
	if claims.Subject == "" && claims.Role == AdminRole && a.mode == ModeSupabase {
		return &Principal{Role: AdminRole, Admin: true}, nil // a service-role key
	}
	if !flux.ValidID(claims.Subject) {
		return nil, errInvalid
	}
	p := &Principal{UserID: claims.Subject, Email: claims.Email, Role: claims.Role, SessionID: claims.SessionID, Admin: claims.Role == AdminRole}
	if n, ok := claims.UserMetadata["full_name"].(string); ok && n != "" {
		p.Name = n
	} else if n, ok := claims.UserMetadata["name"].(string); ok {
		p.Name = n
	}
	if a.mode == ModeLocal {
		if claims.Issuer != localIssuer || claims.ID == "" {
			return nil, errInvalid
		}
		t, err := a.cfg.Store.Tokens().GetToken(ctx, claims.ID)
		if flux.IsCode(err, flux.ENotFound) {
			return nil, ErrRevoked // revoked, or its user was deleted
		}
		if err != nil {
			return nil, fmt.Errorf("auth: look up token: %w", err)
		}
		if t.UserID != claims.Subject || t.SessionID != claims.SessionID {
			return nil, errInvalid
		}
	}
	if a.cache != nil {
		a.cache.putToken(epoch, token, p, claims.ExpiresAt.Time)
	}
	return p, nil
}

func (a *Authenticator) methods() []string {
	var m []string
	if a.hmacSecret != nil {
		m = append(m, "HS256")
	}
	if a.jwks != nil {
		m = append(m, "ES256", "RS256", "EdDSA")
	}
	return m
}

func (a *Authenticator) key(t *jwt.Token) (any, error) {
	if _, ok := t.Method.(*jwt.SigningMethodHMAC); ok {
		if a.hmacSecret == nil {
			return nil, errors.New("HMAC tokens are not accepted")
		}
		return a.hmacSecret, nil
	}
	if a.jwks == nil {
		return nil, errors.New("asymmetric tokens are not accepted")
	}
	return a.jwks.Keyfunc(t)
}

// Issue mints a local-mode token for the user, valid for ttl, and records
// it. The user must exist. It fails outside local mode.
func (a *Authenticator) Issue(ctx context.Context, u *flux.User, ttl time.Duration) (string, error) {
	if a.mode != ModeLocal {
		return "", flux.Errorf(flux.EForbidden, "tokens are minted by Supabase in this configuration")
	}
	if ttl <= 0 || ttl > 366*24*time.Hour {
		return "", flux.Errorf(flux.EInvalid, "ttl must be between 1s and 366 days")
	}
	s, _, err := a.mint(ctx, a.cfg.Store, u, "", ttl, nil)
	return s, err
}

// mint records a token for the user (of the sign-in session sessionID, or
// none) in st and signs it; edit, when not nil, adds claims.
func (a *Authenticator) mint(ctx context.Context, st flux.Stores, u *flux.User, sessionID string, ttl time.Duration, edit func(*Claims)) (string, time.Time, error) {
	now := a.clock.Now()
	rec := &flux.LocalToken{ID: flux.NewID(), UserID: u.ID, SessionID: sessionID, ExpiresAt: now.Add(ttl)}
	if err := st.Tokens().CreateToken(ctx, rec); err != nil {
		return "", time.Time{}, fmt.Errorf("auth: record token: %w", err)
	}
	claims := Claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    localIssuer,
			Subject:   u.ID,
			Audience:  jwt.ClaimStrings{Audience},
			ExpiresAt: jwt.NewNumericDate(rec.ExpiresAt),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        rec.ID,
		},
		Email:     u.Email,
		Role:      "authenticated",
		SessionID: sessionID,
	}
	if u.Name != "" {
		claims.UserMetadata = map[string]any{"name": u.Name}
	}
	if edit != nil {
		edit(&claims)
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(a.hmacSecret)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("auth: sign token: %w", err)
	}
	// The expiry as the token states it: whole seconds.
	return s, claims.ExpiresAt.Time, nil
}

// PruneTokensArgs is the periodic job that deletes expired local tokens
// and used refresh tokens.
type PruneTokensArgs struct{}

// Kind implements flux.JobArgs.
func (PruneTokensArgs) Kind() string { return "auth.prune_tokens" }

// PruneTokens deletes the local tokens that expired before now; it is the
// work function of PruneTokensArgs.
func PruneTokens(store flux.Store, clock flux.Clock, log *slog.Logger) func(context.Context, PruneTokensArgs) error {
	return func(ctx context.Context, _ PruneTokensArgs) error {
		n, err := store.Tokens().DeleteExpiredTokens(ctx, clock.Now())
		if err != nil {
			return fmt.Errorf("auth: prune tokens: %w", err)
		}
		if n > 0 && log != nil {
			log.InfoContext(ctx, "auth: pruned expired local tokens", "count", n)
		}
		// A used refresh token is kept a day, so that a late reuse is still
		// recognised as one (and revokes its session); after that it is
		// simply unknown.
		n, err = store.Auth().DeleteRevokedRefreshTokens(ctx, clock.Now().Add(-24*time.Hour))
		if err != nil {
			return fmt.Errorf("auth: prune refresh tokens: %w", err)
		}
		if n > 0 && log != nil {
			log.InfoContext(ctx, "auth: pruned used refresh tokens", "count", n)
		}
		return nil
	}
}
