package twilio

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	twclient "github.com/twilio/twilio-go/client"
)

// SignatureHeader is the header in which Twilio signs its webhook requests.
const SignatureHeader = "X-Twilio-Signature"

// ErrInvalidSignature is the error of a webhook request whose signature is
// missing or wrong. The HTTP layer answers it with 403 {"detail": "Invalid
// Twilio signature"}.
var ErrInvalidSignature = errors.New("invalid Twilio signature")

// maxWebhookBody bounds the form a Validator reads; Twilio's webhook bodies
// are a few kilobytes.
const maxWebhookBody = 1 << 20

// Validator checks that a webhook request was signed by Twilio with the
// account's auth token.
type Validator struct {
	// AuthToken is the account's auth token.
	AuthToken string
	// PublicBaseURL is the scheme, host and any path prefix under which
	// Twilio reaches the server (TWILIO_WEBHOOK_BASE_URL), as the URLs
	// given to Twilio were written: behind a proxy or a tunnel the URL a
	// server sees differs from the one Twilio signed. Empty means the
	// request's own host, with https when it arrived over TLS.
	PublicBaseURL string
}

// Validate reports whether r carries a valid X-Twilio-Signature: an
// HMAC-SHA1, keyed with the auth token, of the URL Twilio requested
// (PublicBaseURL, trailing slash trimmed, followed by r.URL.RequestURI())
// and, for a POST, the form parameters. It parses r's form (at most 1 MiB),
// so handlers read r.PostForm afterwards. The check itself is twilio-go's
// client.RequestValidator. Any failure wraps ErrInvalidSignature.
func (v *Validator) Validate(r *http.Request) error {
	sig := r.Header.Get(SignatureHeader)
	if sig == "" {
		return fmt.Errorf("%w: no %s header", ErrInvalidSignature, SignatureHeader)
	}
	if v.AuthToken == "" {
		return fmt.Errorf("%w: no auth token to check it with", ErrInvalidSignature)
	}
	full := v.requestURL(r)
	params := map[string]string{}
	var form url.Values
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if r.PostForm == nil && r.Body != nil {
			r.Body = http.MaxBytesReader(nil, r.Body, maxWebhookBody)
		}
		if err := r.ParseForm(); err != nil {
			return fmt.Errorf("%w: unreadable form: %v", ErrInvalidSignature, err)
		}
		form = r.PostForm
		for k, vs := range form {
			if len(vs) > 0 {
				params[k] = vs[0]
			}
		}
	}
	rv := twclient.NewRequestValidator(v.AuthToken)
	if rv.Validate(full, params, sig) {
		return nil
	}
	// twilio-go signs the first value of each key; a form that repeats a
	// key is checked with every value, as Twilio signs it.
	if repeated(form) && subtle.ConstantTimeCompare([]byte(Sign(v.AuthToken, full, form)), []byte(sig)) == 1 {
		return nil
	}
	return fmt.Errorf("%w: it does not match the request", ErrInvalidSignature)
}

func (v *Validator) requestURL(r *http.Request) string {
	base := strings.TrimRight(v.PublicBaseURL, "/")
	if base == "" {
		scheme := "http"
		if r.TLS != nil {
			scheme = "https"
		}
		base = scheme + "://" + r.Host
	}
	return base + r.URL.RequestURI()
}

func repeated(form url.Values) bool {
	for _, vs := range form {
		if len(vs) > 1 {
			return true
		}
	}
	return false
}

// Sign returns the X-Twilio-Signature Twilio sends with a request to
// fullURL with the given form (nil for a GET): the base64 HMAC-SHA1, keyed
// with authToken, of fullURL followed by each form key and value, sorted by
// key (and a repeated key's values sorted). For tests and fakes.
func Sign(authToken, fullURL string, form url.Values) string {
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		vs := append([]string(nil), form[k]...)
		sort.Strings(vs)
		for _, v := range vs {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
