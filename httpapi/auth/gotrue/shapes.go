package gotrue

import (
	"time"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/httpapi/auth"
	"github.com/google/uuid"
)

// User is a user in Supabase Auth's shape (GoTrue's models.User), as
// @supabase/supabase-js reads it.
type User struct {
	ID               string         `json:"id"`
	Aud              string         `json:"aud"`
	Role             string         `json:"role"`
	Email            string         `json:"email"`
	EmailConfirmedAt *time.Time     `json:"email_confirmed_at,omitempty"`
	Phone            string         `json:"phone"`
	ConfirmedAt      *time.Time     `json:"confirmed_at,omitempty"`
	LastSignInAt     *time.Time     `json:"last_sign_in_at,omitempty"`
	AppMetadata      map[string]any `json:"app_metadata"`
	UserMetadata     map[string]any `json:"user_metadata"`
	Identities       []Identity     `json:"identities"`
	CreatedAt        time.Time      `json:"created_at"`
	UpdatedAt        time.Time      `json:"updated_at"`
	IsAnonymous      bool           `json:"is_anonymous"`
}

// Identity is a user's e-mail identity in GoTrue's shape.
type Identity struct {
	IdentityID   string         `json:"identity_id"`
	ID           string         `json:"id"`
	UserID       string         `json:"user_id"`
	IdentityData map[string]any `json:"identity_data"`
	Provider     string         `json:"provider"`
	LastSignInAt *time.Time     `json:"last_sign_in_at,omitempty"`
	CreatedAt    time.Time      `json:"created_at"`
	UpdatedAt    time.Time      `json:"updated_at"`
	Email        string         `json:"email"`
}

// Session is GoTrue's AccessTokenResponse: what sign-up, sign-in and a
// refresh answer.
type Session struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	ExpiresAt    int64  `json:"expires_at"`
	RefreshToken string `json:"refresh_token"`
	User         User   `json:"user"`
}

// identityNamespace derives a user's stable e-mail identity id.
var identityNamespace = uuid.MustParse("5e1f6c2a-7d0b-4d6e-9a63-1f0c2b9d8e41")

// userShape returns u as GoTrue shows it. The address is confirmed at sign
// up (local mode sends no e-mail); signedIn is the session's sign-in time,
// nil when unknown.
func userShape(u *flux.User, signedIn *time.Time) User {
	created := u.CreatedAt.UTC()
	meta := map[string]any{"email": u.Email, "email_verified": true, "phone_verified": false, "sub": u.ID}
	if u.Name != "" {
		meta["name"] = u.Name
	}
	idData := map[string]any{"email": u.Email, "email_verified": true, "phone_verified": false, "sub": u.ID}
	if u.Name != "" {
		idData["name"] = u.Name
	}
	var last *time.Time
	if signedIn != nil {
		t := signedIn.UTC()
		last = &t
	}
	return User{
		ID: u.ID, Aud: auth.Audience, Role: "authenticated", Email: u.Email,
		EmailConfirmedAt: &created, ConfirmedAt: &created, LastSignInAt: last,
		AppMetadata:  map[string]any{"provider": "email", "providers": []string{"email"}},
		UserMetadata: meta,
		Identities: []Identity{{
			IdentityID: uuid.NewSHA1(identityNamespace, []byte(u.ID)).String(), ID: u.ID, UserID: u.ID,
			IdentityData: idData, Provider: "email", LastSignInAt: last,
			CreatedAt: created, UpdatedAt: created, Email: u.Email,
		}},
		CreatedAt: created, UpdatedAt: u.UpdatedAt.UTC(),
	}
}

// sessionShape returns a session as GoTrue answers it.
func sessionShape(s *auth.Session) Session {
	signedIn := s.SignedInAt
	return Session{
		AccessToken: s.AccessToken, TokenType: "bearer",
		ExpiresIn: s.ExpiresIn, ExpiresAt: s.ExpiresAt.Unix(),
		RefreshToken: s.RefreshToken, User: userShape(s.User, &signedIn),
	}
}

// The request bodies, as GoTrue reads them: unknown fields are ignored.

// SignupRequest is the body of POST /auth/v1/signup.
type SignupRequest struct {
	Email    string         `json:"email"`
	Phone    string         `json:"phone"`
	Password string         `json:"password"`
	Data     map[string]any `json:"data"`
}

// TokenRequest is the body of POST /auth/v1/token: email and password for
// grant_type=password, refresh_token for grant_type=refresh_token.
type TokenRequest struct {
	Email        string `json:"email"`
	Phone        string `json:"phone"`
	Password     string `json:"password"`
	RefreshToken string `json:"refresh_token"`
	AuthCode     string `json:"auth_code"`
	CodeVerifier string `json:"code_verifier"`
}

// ErrorResponse is GoTrue's error body (without X-Supabase-Api-Version);
// with the header set to 2024-01-01 or later it is {"code", "message"}.
type ErrorResponse struct {
	Code         int    `json:"code"`
	ErrorCode    string `json:"error_code"`
	Msg          string `json:"msg"`
	WeakPassword *struct {
		Reasons []string `json:"reasons"`
	} `json:"weak_password,omitempty"`
}
