package flux

import (
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

// ValidID reports whether s is a UUID in canonical form. Stores answer
// ENotFound for an id that is not valid, so that a malformed id in a URL
// behaves like an unknown one.
func ValidID(s string) bool {
	if len(s) != 36 {
		return false
	}
	_, err := uuid.Parse(s)
	return err == nil
}
