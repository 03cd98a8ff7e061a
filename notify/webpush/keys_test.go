package webpush_test

import (
	"context"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fluxlife/flux"
	"github.com/fluxlife/flux/notify/webpush"
	"github.com/fluxlife/flux/store/sqlite"
)

func openStore(t testing.TB, path string) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestLoadKeysGeneratesOnceAndSurvivesRestart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")

	s := openStore(t, path)
	first, err := webpush.LoadKeys(ctx, s.Secrets(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := first.Validate(); err != nil {
		t.Fatalf("generated keys: %v", err)
	}
	if strings.Contains(first.Public, "=") || strings.Contains(first.Private, "=") {
		t.Errorf("generated keys %q are padded", first.Public)
	}
	again, err := webpush.LoadKeys(ctx, s.Secrets(), "", "")
	if err != nil || again != first {
		t.Fatalf("second LoadKeys = %v, %v; want the same keys", again.Public, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	restarted := openStore(t, path)
	after, err := webpush.LoadKeys(ctx, restarted.Secrets(), "", "")
	if err != nil {
		t.Fatal(err)
	}
	if after != first {
		t.Errorf("after a restart the public key is %q, want %q", after.Public, first.Public)
	}
}

func TestLoadKeysConcurrentFirstStarts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "flux.db")
	// Two "processes" on one file, four goroutines each.
	stores := []flux.SecretStore{openStore(t, path).Secrets(), openStore(t, path).Secrets()}
	const n = 8
	keys := make([]webpush.Keys, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			keys[i], errs[i] = webpush.LoadKeys(ctx, stores[i%2], "", "")
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < n; i++ {
		if keys[i] != keys[0] {
			t.Fatalf("LoadKeys %d returned %q, LoadKeys 0 %q: concurrent first starts disagree", i, keys[i].Public, keys[0].Public)
		}
	}
}

func TestLoadKeysFromConfiguration(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	secrets := openStore(t, filepath.Join(t.TempDir(), "flux.db")).Secrets()
	given, err := webpush.GenerateKeys()
	if err != nil {
		t.Fatal(err)
	}
	other, _ := webpush.GenerateKeys()
	pad := func(s string) string { // the padded spelling of an unpadded key
		b, _ := base64.RawURLEncoding.DecodeString(s)
		return base64.URLEncoding.EncodeToString(b)
	}

	got, err := webpush.LoadKeys(ctx, secrets, given.Private, given.Public)
	if err != nil || got != given {
		t.Fatalf("LoadKeys(given) = %+v, %v; want the given keys verbatim", got.Public, err)
	}
	got, err = webpush.LoadKeys(ctx, secrets, " "+given.Private+"\n", given.Public+"\n")
	if err != nil || got != given {
		t.Errorf("LoadKeys with surrounding white space = %+v, %v", got.Public, err)
	}
	padded := webpush.Keys{Public: pad(given.Public), Private: pad(given.Private)}
	got, err = webpush.LoadKeys(ctx, secrets, padded.Private, padded.Public)
	if err != nil || got != padded {
		t.Errorf("LoadKeys(padded) = %+v, %v; want the padded keys as given", got, err)
	}
	// The secret store was not used.
	stored, err := webpush.LoadKeys(ctx, secrets, "", "")
	if err != nil || stored == given {
		t.Errorf("the generated keys (%v) are the given ones", err)
	}

	cases := []struct {
		name, private, public, want string
	}{
		{"mismatched pair", given.Private, other.Public, "does not belong"},
		{"private only", given.Private, "", "VAPID_PUBLIC_KEY is not set"},
		{"public only", "", given.Public, "VAPID_PRIVATE_KEY is not set"},
		{"private not base64", "***", given.Public, "private key"},
		{"private too short", given.Private[:20], given.Public, "private key"},
		{"public too short", given.Private, given.Public[:40], "public key"},
		{"public not on the curve", given.Private, given.Public[:80] + "AAAAAAA", "public key"},
		{"swapped", given.Public, given.Private, "private key"},
	}
	for _, c := range cases {
		_, err := webpush.LoadKeys(ctx, secrets, c.private, c.public)
		if flux.ErrorCode(err) != flux.EInvalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: LoadKeys = %v, want EInvalid mentioning %q", c.name, err, c.want)
		}
		if err != nil && (strings.Contains(err.Error(), given.Private) || strings.Contains(err.Error(), given.Private[:20])) {
			t.Errorf("%s: the error shows the private key", c.name)
		}
	}
}

// secretFunc is a flux.SecretStore that returns a fixed value.
type secretFunc func() ([]byte, error)

func (f secretFunc) Secret(context.Context, string, func() ([]byte, error)) ([]byte, error) {
	return f()
}

func TestLoadKeysBadStoredSecret(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	other, _ := webpush.GenerateKeys()
	given, _ := webpush.GenerateKeys()
	for _, v := range []string{"", "not json", `{"public_key":"x","private_key":"y"}`,
		`{"public_key":"` + other.Public + `","private_key":"` + given.Private + `"}`} {
		_, err := webpush.LoadKeys(ctx, secretFunc(func() ([]byte, error) { return []byte(v), nil }), "", "")
		if err == nil {
			t.Errorf("stored %q: LoadKeys succeeded", v)
		}
	}
	boom := errors.New("database down")
	if _, err := webpush.LoadKeys(ctx, secretFunc(func() ([]byte, error) { return nil, boom }), "", ""); !errors.Is(err, boom) {
		t.Errorf("LoadKeys = %v, want the store's error", err)
	}
	if _, err := webpush.LoadKeys(ctx, nil, "", ""); err == nil {
		t.Error("LoadKeys without a store or keys succeeded")
	}
}
