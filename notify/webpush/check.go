package webpush

import (
	"crypto/ecdh"
	"encoding/base64"
	"net"
	"net/netip"
	"net/url"
	"strings"

	"github.com/fluxlife/flux"
)

// MaxEndpointLength is the longest push endpoint URL CheckEndpoint accepts,
// in bytes. Real endpoints are a few hundred bytes.
const MaxEndpointLength = 2048

// KnownPushHosts are the push services CheckEndpoint accepts without
// configuration: an exact host, or "*." and a domain for any subdomain of
// it (not the domain itself). Chrome, Edge's Chromium and most Android
// browsers use FCM; Firefox uses Mozilla's autopush; Safari uses Apple's;
// legacy Edge uses Windows Push Notification Services.
var KnownPushHosts = []string{
	"fcm.googleapis.com",
	"*.push.services.mozilla.com",
	"*.push.apple.com",
	"*.notify.windows.com",
}

// Field names of the errors of CheckEndpoint and CheckKeys, as the
// subscribe request of the HTTP API names them.
const (
	FieldEndpoint = "subscription.endpoint"
	FieldP256DH   = "subscription.keys.p256dh"
	FieldAuth     = "subscription.keys.auth"
)

func endpointError(why string) error {
	return flux.Invalid("push subscription endpoint "+why, flux.FieldError{Field: FieldEndpoint, Message: why})
}

// CheckEndpoint reports whether endpoint may be posted to, so that a push
// subscription cannot make the server send requests into its own network
// (SSRF). The endpoint must be an https URL on a known push service
// (KnownPushHosts; case-insensitive; default port only). allowedHosts adds
// hosts, each "host" or "host:port" (as fluxd's comma-separated
// FLUX_PUSH_ALLOWED_HOSTS lists them; blank entries are ignored), for
// self-hosted push services and tests: an endpoint on one of them may also
// use plain http, and must name exactly the entry's port (none for an entry
// without one). Everything else is refused: other hosts, IP literals,
// localhost, URLs with user information, a fragment or a percent-encoded
// host, schemes other than http and https, and URLs longer than
// MaxEndpointLength. The error is a *flux.Error with code flux.EInvalid
// whose field FieldEndpoint says why.
func CheckEndpoint(endpoint string, allowedHosts []string) error {
	switch {
	case endpoint == "":
		return endpointError("is required")
	case len(endpoint) > MaxEndpointLength:
		return endpointError("is too long")
	case strings.ContainsFunc(endpoint, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '\\' }):
		return endpointError("contains characters that are not allowed in a URL")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return endpointError("is not a valid URL")
	}
	scheme := strings.ToLower(u.Scheme)
	switch {
	case scheme != "https" && scheme != "http":
		return endpointError("must be an https URL")
	case u.Opaque != "" || !strings.HasPrefix(endpoint[len(u.Scheme):], "://"):
		return endpointError("is not a valid URL")
	case u.User != nil:
		return endpointError("must not contain user information")
	case u.Host == "":
		return endpointError("has no host")
	case strings.Contains(authority(endpoint), "%"):
		return endpointError("must not have a percent-encoded host")
	case u.Fragment != "" || strings.Contains(endpoint, "#"):
		return endpointError("must not have a fragment")
	}
	host, port := strings.ToLower(u.Hostname()), u.Port()
	if hostAllowed(host, port, allowedHosts) {
		return nil
	}
	if scheme != "https" {
		return endpointError("must use https")
	}
	if _, err := netip.ParseAddr(host); err == nil || strings.HasPrefix(u.Host, "[") {
		return endpointError("must name a push service, not an IP address")
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return endpointError("must not name a local host")
	}
	if !validHostName(host) {
		return endpointError("has an invalid host name")
	}
	if port != "" || strings.HasSuffix(u.Host, ":") {
		return endpointError("must not name a port")
	}
	for _, known := range KnownPushHosts {
		if matchHost(known, host) {
			return nil
		}
	}
	return endpointError("is not on a known push service (FCM, Mozilla, Apple or Windows)")
}

// authority returns the authority part of a URL string (between "//" and
// the next "/", "?" or "#").
func authority(raw string) string {
	_, rest, ok := strings.Cut(raw, "//")
	if !ok {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

// hostAllowed reports whether host and port match an entry of allowed.
func hostAllowed(host, port string, allowed []string) bool {
	for _, entry := range allowed {
		entry = strings.ToLower(strings.TrimSpace(entry))
		if entry == "" {
			continue
		}
		h, p, err := net.SplitHostPort(entry)
		if err != nil {
			h, p = strings.Trim(entry, "[]"), ""
		}
		if h == host && p == port {
			return true
		}
	}
	return false
}

// matchHost matches host against an exact name or a "*." wildcard, which
// matches subdomains only.
func matchHost(pattern, host string) bool {
	if domain, ok := strings.CutPrefix(pattern, "*."); ok {
		return strings.HasSuffix(host, "."+domain)
	}
	return host == pattern
}

// validHostName reports whether host is a DNS name of ASCII letters,
// digits and hyphens, in non-empty labels.
func validHostName(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// CheckKeys checks a subscription's keys: p256dh must be a P-256 public key
// (a 65-byte uncompressed point on the curve) and auth a 16-byte secret,
// both base64url, padded or not. The error is a *flux.Error with code
// flux.EInvalid naming FieldP256DH and FieldAuth.
func CheckKeys(p256dh, auth string) error {
	var fs []flux.FieldError
	if why := checkP256DH(p256dh); why != "" {
		fs = append(fs, flux.FieldError{Field: FieldP256DH, Message: why})
	}
	if why := checkAuth(auth); why != "" {
		fs = append(fs, flux.FieldError{Field: FieldAuth, Message: why})
	}
	if len(fs) > 0 {
		return flux.Invalid("invalid push subscription keys", fs...)
	}
	return nil
}

func checkP256DH(s string) string {
	if s == "" {
		return "is required"
	}
	b, ok := decodeBase64URL(s)
	switch {
	case !ok:
		return "is not base64url"
	case len(b) != 65 || b[0] != 4:
		return "is not an uncompressed P-256 public key (65 bytes)"
	}
	if _, err := ecdh.P256().NewPublicKey(b); err != nil {
		return "is not a point on the P-256 curve"
	}
	return ""
}

func checkAuth(s string) string {
	if s == "" {
		return "is required"
	}
	b, ok := decodeBase64URL(s)
	switch {
	case !ok:
		return "is not base64url"
	case len(b) != 16:
		return "is not a 16-byte secret"
	}
	return ""
}

// decodeBase64URL decodes unpadded or padded base64url.
func decodeBase64URL(s string) ([]byte, bool) {
	if b, err := base64.RawURLEncoding.DecodeString(s); err == nil {
		return b, true
	}
	if b, err := base64.URLEncoding.DecodeString(s); err == nil {
		return b, true
	}
	return nil, false
}
