package flux

import (
	"strings"

	"github.com/google/uuid"
)

// NewID returns a new identifier: a version 7 UUID in its canonical string
// form. Version 7 ids sort by creation time, which keeps indexes compact.
func NewID() string {
	id, err := uuid.NewV7()
	if err != nil {
		// NewV7 only fails when the system's random source fails.
		return uuid.NewString()
	}
	return id.String()
}

// ValidID reports whether s is a UUID in canonical form: 36 characters,
// lower-case hexadecimal, hyphenated. Stores answer ENotFound for an id that
// is not valid, so that a malformed id in a URL behaves like an unknown one;
// requiring one spelling keeps every store comparing ids the same way.
func ValidID(s string) bool {
	if len(s) != 36 || strings.ToLower(s) != s {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
