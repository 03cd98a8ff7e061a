package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/fluxlife/flux"
)

// Defaults of local sign-in, as Supabase Auth has them.
const (
	DefaultAccessTokenTTL       = time.Hour
	DefaultRefreshReuseInterval = 10 * time.Second
	DefaultMinPasswordLength    = 6
	// MaxPasswordLength is the longest password sign-up accepts, in bytes
	// (Supabase's limit, which bcrypt imposed there).
	MaxPasswordLength = 72
)

// Errors of local sign-in. Each is a *flux.Error; errors.Is finds them.
// Their messages are Supabase Auth's, which clients show as they are.
var (
	ErrInvalidCredentials   = &flux.Error{Code: flux.EInvalid, Message: "Invalid login credentials"}
	ErrUserExists           = &flux.Error{Code: flux.EUnprocessable, Message: "User already registered"}
	ErrRefreshTokenNotFound = &flux.Error{Code: flux.EInvalid, Message: "Invalid Refresh Token: Refresh Token Not Found"}
	ErrRefreshTokenUsed     = &flux.Error{Code: flux.EInvalid, Message: "Invalid Refresh Token: Already Used"}
	errNotLocal             = &flux.Error{Code: flux.EForbidden, Message: "sign-in is served by Supabase in this configuration"}
)

// WeakPasswordError is a password sign-up refuses; Reasons are Supabase's
// ("length").
type WeakPasswordError struct {
	Message string
	Reasons []string
}

// Error implements error.
func (e *WeakPasswordError) Error() string { return e.Message }

// Session is a signed-in session as sign-in hands it out.
type Session struct {
	ID          string
	AccessToken string
	// ExpiresAt is the access token's expiry (whole seconds, as the token
	// states it); ExpiresIn its lifetime in seconds.
	ExpiresAt    time.Time
	ExpiresIn    int
	RefreshToken string
	User         *flux.User
	// SignedInAt is when the session signed in.
	SignedInAt time.Time
}

// emailFormat is the address syntax Supabase Auth accepts (the checkmail
// library's).
var emailFormat = regexp.MustCompile("^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$")

// NormalizeEmail checks an e-mail address as Supabase Auth does and returns
// it in lower case, or an EInvalid error with Supabase's message.
func NormalizeEmail(email string) (string, error) {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return "", flux.Invalid("An email address is required", flux.FieldError{Field: "email", Message: "is required"})
	case len(email) > 255:
		return "", flux.Invalid("An email address is too long", flux.FieldError{Field: "email", Message: "is too long"})
	case !emailFormat.MatchString(email):
		return "", flux.Invalid("Unable to validate email address: invalid format", flux.FieldError{Field: "email", Message: "invalid format"})
	}
	return strings.ToLower(email), nil
}

// CheckPasswordStrength returns the error sign-up gives for password, or
// nil: EInvalid when it is empty or longer than MaxPasswordLength, a
// *WeakPasswordError when it is shorter than the minimum.
func (a *Authenticator) CheckPasswordStrength(password string) error {
	if password == "" {
		return flux.Invalid("Signup requires a valid password", flux.FieldError{Field: "password", Message: "is required"})
	}
	if len(password) > MaxPasswordLength {
		return flux.Invalid(fmt.Sprintf("Password cannot be longer than %d characters", MaxPasswordLength),
			flux.FieldError{Field: "password", Message: "is too long"})
	}
	if min := a.minPassword(); len([]rune(password)) < min {
		return &WeakPasswordError{Message: fmt.Sprintf("Password should be at least %d characters.", min), Reasons: []string{"length"}}
	}
	return nil
}

func (a *Authenticator) minPassword() int {
	if a.cfg.MinPasswordLength > 0 {
		return a.cfg.MinPasswordLength
	}
	return DefaultMinPasswordLength
}

func (a *Authenticator) accessTTL() time.Duration {
	if a.cfg.AccessTokenTTL > 0 {
		return a.cfg.AccessTokenTTL
	}
	return DefaultAccessTokenTTL
}

func (a *Authenticator) reuseInterval() time.Duration {
	switch {
	case a.cfg.RefreshReuseInterval < 0:
		return 0
	case a.cfg.RefreshReuseInterval == 0:
		return DefaultRefreshReuseInterval
	}
	return a.cfg.RefreshReuseInterval
}

// SignUp creates a user with an e-mail address and a password and signs
// them in, in one transaction. The address is stored in lower case; name
// becomes the user's name. ErrUserExists when the address is taken (by any
// user, with a password or not), EInvalid or *WeakPasswordError for a bad
// address or password. Local mode only.
func (a *Authenticator) SignUp(ctx context.Context, email, password, name string) (*Session, error) {
	if a.mode != ModeLocal {
		return nil, errNotLocal
	}
	if err := a.CheckPasswordStrength(password); err != nil {
		return nil, err
	}
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, err
	}
	u := flux.NewUser(flux.NewID(), email, strings.TrimSpace(name))
	if err := u.Validate(); err != nil {
		return nil, err
	}
	// Hash outside the transaction: it is slow on purpose.
	hash, err := HashPassword(password, a.cfg.Password)
	if err != nil {
		return nil, err
	}
	var out *Session
	err = a.cfg.Store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		// Checked first so that PostgreSQL's transaction is not aborted by a
		// refused insert; the unique index still settles a race.
		if _, err := tx.Users().GetUserByEmail(ctx, email); err == nil {
			return ErrUserExists
		} else if !flux.IsCode(err, flux.ENotFound) {
			return err
		}
		if err := tx.Users().CreateUser(ctx, u); err != nil {
			if flux.IsCode(err, flux.EConflict) {
				return ErrUserExists
			}
			return err
		}
		if err := tx.Auth().SetPasswordHash(ctx, u.ID, hash); err != nil {
			return err
		}
		out, err = a.startSession(ctx, tx, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// SignInWithPassword signs a user in with their e-mail address and
// password: a new session. ErrInvalidCredentials for an unknown address, a
// user without a password and a wrong password alike, which take the same
// time. Local mode only.
func (a *Authenticator) SignInWithPassword(ctx context.Context, email, password string) (*Session, error) {
	if a.mode != ModeLocal {
		return nil, errNotLocal
	}
	st := a.cfg.Store
	u, err := st.Users().GetUserByEmail(ctx, strings.TrimSpace(email))
	if flux.IsCode(err, flux.ENotFound) {
		dummyCheck(a.cfg.Password)
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	hash, err := st.Auth().PasswordHash(ctx, u.ID)
	if flux.IsCode(err, flux.ENotFound) {
		dummyCheck(a.cfg.Password)
		return nil, ErrInvalidCredentials
	}
	if err != nil {
		return nil, err
	}
	ok, err := CheckPassword(hash, password)
	if err != nil {
		return nil, fmt.Errorf("auth: stored password hash of user %s: %w", u.ID, err)
	}
	if !ok {
		return nil, ErrInvalidCredentials
	}
	var out *Session
	err = st.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		out, err = a.startSession(ctx, tx, u)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// startSession creates a session of u with its first refresh token and an
// access token, through tx.
func (a *Authenticator) startSession(ctx context.Context, tx flux.Stores, u *flux.User) (*Session, error) {
	sess := &flux.AuthSession{UserID: u.ID}
	if err := tx.Auth().CreateSession(ctx, sess); err != nil {
		return nil, err
	}
	return a.continueSession(ctx, tx, u, sess, "")
}

// continueSession issues a new refresh token of sess (replacing parentID,
// or the first) and a new access token.
func (a *Authenticator) continueSession(ctx context.Context, tx flux.Stores, u *flux.User, sess *flux.AuthSession, parentID string) (*Session, error) {
	refresh, hash, err := newRefreshToken()
	if err != nil {
		return nil, err
	}
	rt := &flux.RefreshToken{UserID: u.ID, SessionID: sess.ID, Hash: hash, ParentID: parentID}
	if err := tx.Auth().CreateRefreshToken(ctx, rt); err != nil {
		return nil, err
	}
	signedIn := sess.CreatedAt
	access, exp, err := a.mint(ctx, tx, u, sess.ID, a.accessTTL(), func(c *Claims) {
		c.AppMetadata = map[string]any{"provider": "email", "providers": []string{"email"}}
		if c.UserMetadata == nil {
			c.UserMetadata = map[string]any{}
		}
		c.UserMetadata["email"] = u.Email
		c.UserMetadata["email_verified"] = true
		c.UserMetadata["phone_verified"] = false
		c.UserMetadata["sub"] = u.ID
		c.AAL = "aal1"
		c.AMR = []AMREntry{{Method: "password", Timestamp: signedIn.Unix()}}
		c.IsAnonymous = new(bool)
	})
	if err != nil {
		return nil, err
	}
	return &Session{ID: sess.ID, AccessToken: access, ExpiresAt: exp, ExpiresIn: int(a.accessTTL() / time.Second),
		RefreshToken: refresh, User: u, SignedInAt: signedIn}, nil
}

// newRefreshToken returns a new opaque refresh token and the hash it is
// stored by.
func newRefreshToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", fmt.Errorf("auth: refresh token: %w", err)
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashRefreshToken(token), nil
}

// hashRefreshToken is what a refresh token is stored and found by. The
// token is 256 random bits, so a fast hash is enough.
func hashRefreshToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// reuse is the outcome of presenting a refresh token that was already used
// outside the reuse interval.
type reuse struct{ userID, sessionID string }

func (reuse) Error() string { return "refresh token reused" }

// RefreshSession exchanges a refresh token for a new one of the same
// session and a new access token. A token is single-use: presenting it
// again (after RefreshReuseInterval) revokes its whole session, every
// refresh and access token of it, and answers ErrRefreshTokenUsed; an
// unknown token, or one of a session that ended (signed out, or revoked
// that way), is ErrRefreshTokenNotFound. Local mode only.
func (a *Authenticator) RefreshSession(ctx context.Context, token string) (*Session, error) {
	if a.mode != ModeLocal {
		return nil, errNotLocal
	}
	if token == "" || len(token) > 512 {
		return nil, ErrRefreshTokenNotFound
	}
	hash := hashRefreshToken(token)
	var out *Session
	err := a.cfg.Store.Atomic(ctx, func(ctx context.Context, tx flux.Stores) error {
		rt, err := tx.Auth().RefreshTokenByHash(ctx, hash)
		if flux.IsCode(err, flux.ENotFound) {
			return ErrRefreshTokenNotFound
		}
		if err != nil {
			return err
		}
		fresh, err := tx.Auth().RevokeRefreshToken(ctx, rt.UserID, rt.ID)
		if flux.IsCode(err, flux.ENotFound) {
			return ErrRefreshTokenNotFound // its session ended meanwhile
		}
		if err != nil {
			return err
		}
		if !fresh {
			// Used before: a second client of the same session refreshing
			// at once is forgiven for a short while, anything later is
			// taken for a stolen token.
			cur, err := tx.Auth().RefreshTokenByHash(ctx, hash)
			if err != nil {
				return ErrRefreshTokenNotFound
			}
			if ri := a.reuseInterval(); ri <= 0 || a.clock.Now().Sub(cur.UpdatedAt) > ri {
				return reuse{userID: rt.UserID, sessionID: rt.SessionID}
			}
		}
		u, err := tx.Users().GetUser(ctx, rt.UserID)
		if err != nil {
			return notFoundAs(err, ErrRefreshTokenNotFound)
		}
		sess, err := tx.Auth().GetSession(ctx, rt.UserID, rt.SessionID)
		if err != nil {
			return notFoundAs(err, ErrRefreshTokenNotFound)
		}
		out, err = a.continueSession(ctx, tx, u, sess, rt.ID)
		return notFoundAs(err, ErrRefreshTokenNotFound)
	})
	var r reuse
	if errors.As(err, &r) {
		// Outside the rolled-back transaction: the revocation must stay.
		if rerr := a.cfg.Store.Auth().DeleteSession(ctx, r.userID, r.sessionID); rerr != nil && !flux.IsCode(rerr, flux.ENotFound) {
			return nil, fmt.Errorf("auth: revoke a session after refresh token reuse: %w", rerr)
		}
		a.revoked(ctx, r.userID)
		a.log.WarnContext(ctx, "auth: a used refresh token was presented again; its session is revoked",
			"user_id", r.userID, "session_id", r.sessionID)
		return nil, ErrRefreshTokenUsed
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

func notFoundAs(err, as error) error {
	if flux.IsCode(err, flux.ENotFound) {
		return as
	}
	return err
}

// Logout scopes, as Supabase Auth names them.
const (
	ScopeGlobal = "global" // every session of the user
	ScopeLocal  = "local"  // the caller's session
	ScopeOthers = "others" // every session but the caller's
)

// SignOut ends sessions of the principal's user, with their refresh and
// access tokens: by scope (ScopeGlobal when ""). A principal without a
// session (a token of `fluxd token`) ends all sessions for ScopeGlobal and
// ScopeOthers, and none for ScopeLocal. Local mode only.
func (a *Authenticator) SignOut(ctx context.Context, p *Principal, scope string) error {
	if a.mode != ModeLocal {
		return errNotLocal
	}
	if p == nil || p.UserID == "" {
		return errInvalid
	}
	st := a.cfg.Store.Auth()
	defer a.revoked(ctx, p.UserID)
	switch scope {
	case "", ScopeGlobal:
		_, err := st.DeleteSessions(ctx, p.UserID, "")
		return err
	case ScopeOthers:
		_, err := st.DeleteSessions(ctx, p.UserID, p.SessionID)
		return err
	case ScopeLocal:
		if p.SessionID == "" {
			return nil
		}
		if err := st.DeleteSession(ctx, p.UserID, p.SessionID); err != nil && !flux.IsCode(err, flux.ENotFound) {
			return err
		}
		return nil
	}
	return flux.Invalid(fmt.Sprintf("Unsupported logout scope %q", scope), flux.FieldError{Field: "scope", Message: "must be global, local or others"})
}

// SessionOf returns the user and session of a principal that signed in
// with local sign-in: ENotFound when the user or the session is gone.
func (a *Authenticator) SessionOf(ctx context.Context, p *Principal) (*flux.User, *flux.AuthSession, error) {
	if a.mode != ModeLocal {
		return nil, nil, errNotLocal
	}
	u, err := a.cfg.Store.Users().GetUser(ctx, p.UserID)
	if err != nil {
		return nil, nil, err
	}
	if p.SessionID == "" {
		return u, nil, nil
	}
	s, err := a.cfg.Store.Auth().GetSession(ctx, p.UserID, p.SessionID)
	if err != nil {
		return nil, nil, err
	}
	return u, s, nil
}
