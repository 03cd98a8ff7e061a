package webpush_test

import (
	"crypto/ecdh"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify/webpush"
)

func TestCheckEndpoint(t *testing.T) {
	t.Parallel()
	allowed := []string{" push.example.org ", "127.0.0.1:8080", "[::1]:9000", "", "Self-Hosted.example.net:8443"}
	cases := []struct {
		endpoint string
		allowed  []string
		why      string // "" = accepted; else a part of the reason
	}{
		// Real push services.
		{"https://fcm.googleapis.com/fcm/send/dGVzdA:APA91bH", nil, ""},
		{"https://FCM.GoogleAPIs.com/fcm/send/abc", nil, ""},
		{"HTTPS://fcm.googleapis.com/fcm/send/abc", nil, ""},
		{"https://updates.push.services.mozilla.com/wpush/v2/gAAAAABk", nil, ""},
		{"https://web.push.apple.com/QGuQyavXutnMgR", nil, ""},
		{"https://api.push.apple.com/3/device/abc", nil, ""},
		{"https://wns2-par02p.notify.windows.com/w/?token=BQYAAAB", nil, ""},
		{"https://fcm.googleapis.com/fcm/send/abc?x=1", nil, ""},

		// Allowed hosts, http or https, on exactly the listed port.
		{"http://push.example.org/p/1", allowed, ""},
		{"https://PUSH.example.org/p/1", allowed, ""},
		{"http://127.0.0.1:8080/push/1", allowed, ""},
		{"http://[::1]:9000/push/1", allowed, ""},
		{"https://self-hosted.example.net:8443/push", allowed, ""},
		{"http://push.example.org:8080/p/1", allowed, "https"},
		{"https://push.example.org:8080/p/1", allowed, "port"},
		{"http://127.0.0.1:8081/push/1", allowed, "https"},
		{"http://127.0.0.1/push/1", allowed, "https"},
		{"https://127.0.0.1/push/1", allowed, "IP address"},
		{"https://sub.push.example.org/p", allowed, "known push service"},
		{"ftp://push.example.org/p/1", allowed, "https URL"},
		{"http://user@push.example.org/p/1", allowed, "user information"},

		// Hostile or wrong.
		{"", nil, "required"},
		{"https://127.0.0.1/", nil, "IP address"},
		{"https://[::1]/", nil, "IP address"},
		{"https://[::ffff:127.0.0.1]/", nil, "IP address"},
		{"https://169.254.169.254/latest/meta-data/", nil, "IP address"},
		{"https://10.0.0.1/", nil, "IP address"},
		{"https://0x7f000001/", nil, "known push service"},
		{"https://2130706433/", nil, "known push service"},
		{"https://localhost/", nil, "local host"},
		{"https://push.localhost/", nil, "local host"},
		{"https://fcm.googleapis.com.evil.com/", nil, "known push service"},
		{"https://evil.com/fcm.googleapis.com", nil, "known push service"},
		{"https://evil.com/?u=https://fcm.googleapis.com/", nil, "known push service"},
		{"https://evilfcm.googleapis.com/", nil, "known push service"},
		{"https://sub.fcm.googleapis.com/", nil, "known push service"},
		{"https://push.services.mozilla.com/", nil, "known push service"},
		{"https://push.apple.com/", nil, "known push service"},
		{"https://evil-push.apple.com/", nil, "known push service"},
		{"https://updates.push.services.mozilla.com.attacker.net/", nil, "known push service"},
		{"https://fcm.googleapis.com./fcm/send/x", nil, "invalid host name"},
		{"http://fcm.googleapis.com/", nil, "https"},
		{"https://user@fcm.googleapis.com/", nil, "user information"},
		{"https://user:pass@fcm.googleapis.com/", nil, "user information"},
		{"https://fcm.googleapis.com@evil.com/", nil, "user information"},
		{"https://fcm.googleapis.com:8443/", nil, "port"},
		{"https://fcm.googleapis.com:443/", nil, "port"},
		{"https://fcm.googleapis.com:/", nil, "port"},
		{"https://fcm%2egoogleapis%2ecom/", nil, "valid URL"},
		{"https://fcm.googleapis.com/#frag", nil, "fragment"},
		{"https://fcm.googleapis.com\\@evil.com/", nil, "characters"},
		{"https://fcm.googleapis.com /x", nil, "characters"},
		{"https://fcm.googleapis.com/\nx", nil, "characters"},
		{"https:fcm.googleapis.com/fcm/send/x", nil, "valid URL"},
		{"https:/fcm.googleapis.com/fcm/send/x", nil, "valid URL"},
		{"//fcm.googleapis.com/fcm/send/x", nil, "https URL"},
		{"fcm.googleapis.com/fcm/send/x", nil, "https URL"},
		{"file:///etc/passwd", nil, "https URL"},
		{"gopher://fcm.googleapis.com/", nil, "https URL"},
		{"javascript:alert(1)", nil, "https URL"},
		{"https://", nil, "no host"},
		{"https://fcm.googleapis.com/" + strings.Repeat("a", webpush.MaxEndpointLength), nil, "too long"},
		{"https://xn--fcm-googleapis-com.example/", nil, "known push service"},
		{"https://fсm.googleapis.com/", nil, "invalid host name"}, // Cyrillic с
		{"https://[fe80::1%25eth0]/", nil, "percent-encoded"},
	}
	for _, c := range cases {
		err := webpush.CheckEndpoint(c.endpoint, c.allowed)
		if c.why == "" {
			if err != nil {
				t.Errorf("CheckEndpoint(%q) = %v, want nil", c.endpoint, err)
			}
			continue
		}
		var fe *flux.Error
		if !errors.As(err, &fe) {
			t.Errorf("CheckEndpoint(%q) = %v, want a *flux.Error", c.endpoint, err)
			continue
		}
		if fe.Code != flux.EInvalid || len(fe.Fields) != 1 || fe.Fields[0].Field != "subscription.endpoint" {
			t.Errorf("CheckEndpoint(%q) = %+v, want EInvalid on subscription.endpoint", c.endpoint, fe)
		}
		if !strings.Contains(fe.Message, c.why) || len(fe.Fields) == 1 && !strings.Contains(fe.Fields[0].Message, c.why) {
			t.Errorf("CheckEndpoint(%q) says %q (field %+v), want it to mention %q", c.endpoint, fe.Message, fe.Fields, c.why)
		}
	}
}

func TestCheckKeys(t *testing.T) {
	t.Parallel()
	// A key whose standard base64 differs from its base64url.
	var point []byte
	for point == nil || !strings.ContainsAny(base64.StdEncoding.EncodeToString(point), "+/") {
		priv, err := ecdh.P256().GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		point = priv.PublicKey().Bytes()
	}
	auth := make([]byte, 16)
	_, _ = rand.Read(auth)
	offCurve := append([]byte(nil), point...)
	offCurve[64] ^= 1
	x25519, _ := ecdh.X25519().GenerateKey(rand.Reader)

	raw, padded := base64.RawURLEncoding.EncodeToString, base64.URLEncoding.EncodeToString
	cases := []struct {
		name         string
		p256dh, auth string
		bad          []string // fields refused
	}{
		{"unpadded", raw(point), raw(auth), nil},
		{"padded", padded(point), padded(auth), nil},
		{"missing", "", "", []string{webpush.FieldP256DH, webpush.FieldAuth}},
		{"standard base64", base64.StdEncoding.EncodeToString(point), raw(auth), []string{webpush.FieldP256DH}},
		{"compressed point", raw(append([]byte{2}, point[1:33]...)), raw(auth), []string{webpush.FieldP256DH}},
		{"not on the curve", raw(offCurve), raw(auth), []string{webpush.FieldP256DH}},
		{"X25519 key", raw(x25519.PublicKey().Bytes()), raw(auth), []string{webpush.FieldP256DH}},
		{"short auth", raw(point), raw(auth[:8]), []string{webpush.FieldAuth}},
		{"long auth", raw(point), raw(append(auth, 0)), []string{webpush.FieldAuth}},
		{"auth not base64", raw(point), "!!!!!!!!!!!!!!!!!!!!!!", []string{webpush.FieldAuth}},
	}
	for _, c := range cases {
		err := webpush.CheckKeys(c.p256dh, c.auth)
		if len(c.bad) == 0 {
			if err != nil {
				t.Errorf("%s: CheckKeys = %v, want nil", c.name, err)
			}
			continue
		}
		var fe *flux.Error
		if !errors.As(err, &fe) || fe.Code != flux.EInvalid {
			t.Errorf("%s: CheckKeys = %v, want EInvalid", c.name, err)
			continue
		}
		var got []string
		for _, f := range fe.Fields {
			got = append(got, f.Field)
		}
		if strings.Join(got, ",") != strings.Join(c.bad, ",") {
			t.Errorf("%s: CheckKeys refused %v, want %v", c.name, got, c.bad)
		}
	}
}
