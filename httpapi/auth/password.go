package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"

	"golang.org/x/crypto/argon2"
)

// PasswordParams are the argon2id parameters of new password hashes. A hash
// records its own parameters, so changing them affects only new hashes.
type PasswordParams struct {
	// Memory in KiB.
	Memory uint32
	// Iterations (time cost).
	Iterations uint32
	// Parallelism (threads).
	Parallelism uint8
}

// DefaultPasswordParams are OWASP's recommended minimum for argon2id:
// 19 MiB, 2 iterations, 1 thread.
var DefaultPasswordParams = PasswordParams{Memory: 19 * 1024, Iterations: 2, Parallelism: 1}

const (
	saltLen = 16
	keyLen  = 32
	// maxHashMemory bounds the memory a stored hash may ask for (1 GiB).
	maxHashMemory = 1 << 20
)

func (p PasswordParams) orDefault() PasswordParams {
	if p.Memory == 0 || p.Iterations == 0 || p.Parallelism == 0 {
		return DefaultPasswordParams
	}
	return p
}

// HashPassword returns the argon2id hash of password in the PHC string
// form "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>" (unpadded base64), with
// a random 16-byte salt. A zero p means DefaultPasswordParams.
func HashPassword(password string, p PasswordParams) (string, error) {
	p = p.orDefault()
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("auth: password salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.Memory, p.Iterations, p.Parallelism,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

var errBadHash = errors.New("auth: not an argon2id password hash")

// CheckPassword reports whether password matches an encoded hash made by
// HashPassword, comparing in constant time. It fails only for a malformed
// hash.
func CheckPassword(encoded, password string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, errBadHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, errBadHash
	}
	var p PasswordParams
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Iterations, &p.Parallelism); err != nil ||
		p.Memory == 0 || p.Memory > maxHashMemory || p.Iterations == 0 || p.Iterations > 64 || p.Parallelism == 0 {
		return false, errBadHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, errBadHash
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) < 16 || len(want) > 128 {
		return false, errBadHash
	}
	got := argon2.IDKey([]byte(password), salt, p.Iterations, p.Memory, p.Parallelism, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHashes holds, per parameter set, a hash checked when a sign-in names
// no known user, so that such an attempt takes as long as a wrong password
// and the answer time does not tell which e-mail addresses are registered.
var dummyHashes sync.Map // PasswordParams -> string

func dummyCheck(p PasswordParams) {
	p = p.orDefault()
	h, ok := dummyHashes.Load(p)
	if !ok {
		fresh, err := HashPassword("not a password", p)
		if err != nil {
			return
		}
		h, _ = dummyHashes.LoadOrStore(p, fresh)
	}
	_, _ = CheckPassword(h.(string), "still not a password")
}
