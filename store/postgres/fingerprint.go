package postgres

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"

	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"
)

var fingerprint = sync.OnceValues(func() (string, error) {
	ms, err := migrations()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "flux %d %s %d\n%s\n", m.version, m.name, len(m.sql), m.sql)
	}
	migrator, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return "", fmt.Errorf("postgres: fingerprint: river: %w", err)
	}
	for _, m := range migrator.AllVersions() {
		fmt.Fprintf(h, "river %d %s %d\n%s\n", m.Version, m.Name, len(m.SQLUp), m.SQLUp)
	}
	return hex.EncodeToString(h.Sum(nil))[:12], nil
})

// Fingerprint identifies the schema that Migrate builds: 12 hex digits of a
// hash of Flux's embedded migrations and River's. Two builds with the same
// fingerprint build the same tables, so a schema migrated by one can be
// used by the other; package pgtest names its reusable test schemas by it.
func Fingerprint() (string, error) { return fingerprint() }
