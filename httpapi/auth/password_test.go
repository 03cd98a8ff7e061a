package auth_test

import (
	"strings"
	"testing"

	"github.com/fluxlife/flux/httpapi/auth"
)

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h, err := auth.HashPassword("correct horse", auth.PasswordParams{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(h, "correct horse") {
		t.Fatalf("hash = %q", h)
	}
	if ok, err := auth.CheckPassword(h, "correct horse"); !ok || err != nil {
		t.Errorf("the right password = %v, %v", ok, err)
	}
	if ok, err := auth.CheckPassword(h, "correct horsE"); ok || err != nil {
		t.Errorf("a wrong password = %v, %v", ok, err)
	}
	again, _ := auth.HashPassword("correct horse", auth.PasswordParams{})
	if again == h {
		t.Error("two hashes of one password are equal: no salt")
	}
	for _, bad := range []string{"", "plain", "$2a$10$abcdefghijklmnopqrstuv", "$argon2id$v=18$m=1,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5", "$argon2id$v=19$m=64,t=1,p=1$!!$a2V5"} {
		if ok, err := auth.CheckPassword(bad, "x"); ok || err == nil {
			t.Errorf("CheckPassword(%q) = %v, %v; want an error", bad, ok, err)
		}
	}
}
