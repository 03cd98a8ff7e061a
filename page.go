package flux

import (
	"encoding/base64"
	"encoding/json"
	"time"
)

// List sizes.
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// Page asks for one page of a list: at most Limit items after the position
// Cursor names. A zero Page is the first page of DefaultPageLimit items.
type Page struct {
	Limit  int
	Cursor string
}

// Size returns the normalised page size: DefaultPageLimit when Limit is 0 or
// less, MaxPageLimit when it is above that.
func (p Page) Size() int {
	switch {
	case p.Limit <= 0:
		return DefaultPageLimit
	case p.Limit > MaxPageLimit:
		return MaxPageLimit
	}
	return p.Limit
}

// Cursor is the position after the last item of a page in a keyset-ordered
// list: the item's sort time (Null when the item has none, e.g. an
// unscheduled task) and its id. Stores encode it with EncodeCursor into the
// opaque string that callers pass back.
type Cursor struct {
	Time time.Time
	Null bool
	ID   string
}

type cursorJSON struct {
	T  *int64 `json:"t,omitempty"`
	ID string `json:"i"`
}

// EncodeCursor returns the opaque form of c.
func EncodeCursor(c Cursor) string {
	var v cursorJSON
	v.ID = c.ID
	if !c.Null {
		us := c.Time.UnixMicro()
		v.T = &us
	}
	b, _ := json.Marshal(v)
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor made by EncodeCursor. A cursor it cannot read
// is an EInvalid error.
func DecodeCursor(s string) (Cursor, error) {
	bad := Invalid("invalid cursor", FieldError{Field: "cursor", Message: "is not a cursor this server issued"})
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return Cursor{}, bad
	}
	var v cursorJSON
	if err := json.Unmarshal(b, &v); err != nil || !ValidID(v.ID) {
		return Cursor{}, bad
	}
	c := Cursor{ID: v.ID, Null: v.T == nil}
	if v.T != nil {
		c.Time = time.UnixMicro(*v.T).UTC()
	}
	return c, nil
}

// TimePrecision is the precision stores keep: times are truncated to the
// microsecond (PostgreSQL's timestamptz precision) and returned in UTC, so the
// same value round-trips identically through every store.
const TimePrecision = time.Microsecond

// StoreTime returns t as a store keeps it: UTC, truncated to TimePrecision.
func StoreTime(t time.Time) time.Time { return t.UTC().Truncate(TimePrecision) }
