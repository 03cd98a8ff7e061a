package storetest

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
)

// testSecrets specifies flux.SecretStore.
func testSecrets(t *testing.T, open Opener) {
	subtest(t, open, "CreatedOnce", func(t *testing.T, e *env) {
		all := make([]byte, 256) // every byte value, NUL included
		for i := range all {
			all[i] = byte(i)
		}
		calls := 0
		gen := func(v []byte) func() ([]byte, error) {
			return func() ([]byte, error) { calls++; return bytes.Clone(v), nil }
		}
		got := mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "vapid-private-key", gen(all)))
		if !bytes.Equal(got, all) || calls != 1 {
			t.Errorf("first Secret: %x after %d calls of gen, want %x after 1", got, calls, all)
		}
		got = mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "vapid-private-key", gen([]byte("other"))))
		if !bytes.Equal(got, all) || calls != 1 {
			t.Errorf("second Secret: %x after %d calls of gen, want the first value and no call", got, calls)
		}
		// Names are independent.
		got = mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "signing-key", gen([]byte("k2"))))
		if string(got) != "k2" || calls != 2 {
			t.Errorf("Secret of a second name: %q after %d calls of gen, want \"k2\" after 2", got, calls)
		}
	})

	subtest(t, open, "GenFails", func(t *testing.T, e *env) {
		_, err := e.s.Secrets().Secret(e.ctx, "signing-key", func() ([]byte, error) { return nil, fmt.Errorf("entropy: %w", errSentinel) })
		if !errors.Is(err, errSentinel) {
			t.Errorf("Secret with a failing gen: error = %v, want gen's error", err)
		}
		got := mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "signing-key", func() ([]byte, error) { return []byte("second try"), nil }))
		if string(got) != "second try" {
			t.Errorf("Secret after a failed gen = %q, want the next gen's value", got)
		}
	})

	subtest(t, open, "Concurrent", func(t *testing.T, e *env) {
		const n = 20
		var calls atomic.Int32
		results := make([][]byte, n)
		parallel(n, func(i int) {
			v, err := e.s.Secrets().Secret(e.ctx, "vapid", func() ([]byte, error) {
				calls.Add(1)
				return []byte(fmt.Sprint("value ", i)), nil
			})
			if err != nil {
				t.Errorf("concurrent Secret %d: %v", i, err)
			}
			results[i] = v
		})
		stored := mustGet[[]byte](t, "Secret")(e.s.Secrets().Secret(e.ctx, "vapid", func() ([]byte, error) {
			t.Errorf("Secret called gen after the secret was stored")
			return []byte("late"), nil
		}))
		if calls.Load() < 1 {
			t.Errorf("no concurrent call ran gen")
		}
		for i, v := range results {
			if !bytes.Equal(v, stored) {
				t.Errorf("concurrent Secret %d returned %q; the stored value is %q", i, v, stored)
			}
		}
	})
}
