package storetest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/fluxlife/flux"
)

// The rules at the top of store.go hold for every method of their kind.
// These checkers state them once; each aggregate's tests apply them to its
// getters, updaters and deleters.

// malformedIDs are ids that are not flux.ValidID. Stores answer ENotFound for
// them without asking the database.
var malformedIDs = []string{
	"",
	"nope",
	"12345678123412341234123456789abc",       // a UUID without dashes
	"{12345678-1234-1234-1234-123456789abc}", // a UUID in braces
	"12345678-1234-1234-1234-123456789abcd",  // one digit too many
	"00000000-0000-0000-0000-00000000000g",   // not hex
	"' OR '1'='1",
}

// getter reads one row of a user by id.
type getter[T any] func(ctx context.Context, userID, id string) (*T, error)

// wantGetNotFound checks that get answers ENotFound for the row (ownerID, id)
// asked for by another user, for an unknown id, for malformed ids and for a
// malformed user id, and that the owner still gets it. otherID is an
// existing user other than the owner ("" for unscoped getters, which ignore
// the user id).
func wantGetNotFound[T any](e *env, what string, read getter[T], ownerID, otherID, id string) {
	e.t.Helper()
	if otherID != "" {
		_, err := read(e.ctx, otherID, id)
		wantNotFound(e.t, err, what+" by another user")
		for _, bad := range malformedIDs {
			_, err := read(e.ctx, bad, id)
			wantNotFound(e.t, err, fmt.Sprintf("%s with user id %q", what, bad))
		}
	}
	_, err := read(e.ctx, ownerID, flux.NewID())
	wantNotFound(e.t, err, what+" of an unknown id")
	for _, bad := range malformedIDs {
		_, err := read(e.ctx, ownerID, bad)
		wantNotFound(e.t, err, fmt.Sprintf("%s(%q)", what, bad))
	}
	if _, err := read(e.ctx, ownerID, id); err != nil {
		e.t.Errorf("%s by its owner: %v", what, err)
	}
}

// updater edits one row of a user through fn.
type updater[T any] func(ctx context.Context, userID, id string, fn func(*T) error) (*T, error)

// updateCase describes one update method applied to one existing row.
type updateCase[T any] struct {
	what    string     // the method's name, for messages
	update  updater[T] // the method
	get     getter[T]  // reads the row back
	ownerID string     // the row's user
	otherID string     // another existing user ("" for UpdateUser)
	id      string     // the row
	// edit makes a valid change to every field fn may change.
	edit func(*T)
	// invalid, when set, makes the value invalid; fields are the fields the
	// store's EInvalid error must name (nil: exactly those of the value's
	// Validate method).
	invalid       func(*T)
	invalidFields []string
}

// checkUpdate states the rules of every update method:
//
//   - a row of another user, an unknown id and a malformed id give ENotFound
//     and fn is not called;
//   - when fn returns an error, Update returns it and writes nothing;
//   - when fn leaves the value invalid, Update returns EInvalid and writes
//     nothing;
//   - otherwise fn runs exactly once, on the stored value; what it changed is
//     stored, except ID, UserID and CreatedAt, which keep their values;
//     UpdatedAt (where the type has one) becomes the store's clock; the
//     returned value equals what a get returns afterwards.
func checkUpdate[T any](e *env, c updateCase[T]) {
	e.t.Helper()
	t := e.t
	before := mustGet[*T](t, c.what+": get before")(c.get(e.ctx, c.ownerID, c.id))
	unchanged := func(after string) {
		t.Helper()
		now := mustGet[*T](t, c.what+": get after "+after)(c.get(e.ctx, c.ownerID, c.id))
		wantEqual(t, c.what+": the row after "+after, *before, *now)
	}
	e.clock.Advance(17 * time.Minute)

	// Not found: fn is never called.
	notCalled := func(v *T) error {
		t.Errorf("%s: fn called for a row that is not the caller's", c.what)
		return nil
	}
	if c.otherID != "" {
		_, err := c.update(e.ctx, c.otherID, c.id, notCalled)
		wantNotFound(t, err, c.what+" by another user")
		for _, bad := range malformedIDs {
			_, err := c.update(e.ctx, bad, c.id, notCalled)
			wantNotFound(t, err, fmt.Sprintf("%s with user id %q", c.what, bad))
		}
	}
	_, err := c.update(e.ctx, c.ownerID, flux.NewID(), notCalled)
	wantNotFound(t, err, c.what+" of an unknown id")
	for _, bad := range malformedIDs {
		_, err := c.update(e.ctx, c.ownerID, bad, notCalled)
		wantNotFound(t, err, fmt.Sprintf("%s(%q)", c.what, bad))
	}
	unchanged("refused updates")

	// fn fails: its error comes back, nothing is written.
	_, err = c.update(e.ctx, c.ownerID, c.id, func(v *T) error {
		c.edit(v)
		return fmt.Errorf("deciding: %w", errSentinel)
	})
	if !errors.Is(err, errSentinel) {
		t.Errorf("%s with a failing fn: error = %v, want fn's error", c.what, err)
	}
	unchanged("a failing fn")

	// fn makes it invalid: EInvalid, nothing is written.
	if c.invalid != nil {
		var result T
		_, err = c.update(e.ctx, c.ownerID, c.id, func(v *T) error {
			c.edit(v)
			c.invalid(v)
			result = *v
			return nil
		})
		if c.invalidFields == nil {
			wantInvalid(t, err, validate(&result), c.what+" leaving the value invalid")
		} else {
			wantInvalidFields(t, err, c.what+" leaving the value invalid", c.invalidFields...)
		}
		unchanged("an update that left it invalid")
	}

	// Success.
	want := *mustGet[*T](t, c.what+": get")(c.get(e.ctx, c.ownerID, c.id))
	c.edit(&want)
	setField(&want, "UpdatedAt", e.clock.stored())
	calls := 0
	got, err := c.update(e.ctx, c.ownerID, c.id, func(v *T) error {
		calls++
		wantEqual(t, c.what+": the value fn receives", *before, *v)
		c.edit(v)
		// Immutable fields: changing them has no effect.
		setField(v, "ID", flux.NewID())
		setField(v, "UserID", flux.NewID())
		setField(v, "CreatedAt", time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC))
		return nil
	})
	if err != nil {
		t.Fatalf("%s: %v", c.what, err)
	}
	if calls != 1 {
		t.Errorf("%s called fn %d times, want once", c.what, calls)
	}
	wantEqual(t, c.what+": the returned value", want, *got)
	after := mustGet[*T](t, c.what+": get after")(c.get(e.ctx, c.ownerID, c.id))
	wantEqual(t, c.what+": the stored value", want, *after)
}

// validate calls v's Validate method.
func validate(v any) error {
	if x, ok := v.(interface{ Validate() error }); ok {
		return x.Validate()
	}
	return nil
}

// setField sets the named field of *v when the type has it.
func setField(v any, name string, value any) {
	f := reflect.ValueOf(v).Elem().FieldByName(name)
	if f.IsValid() && f.CanSet() {
		f.Set(reflect.ValueOf(value))
	}
}

// deleter deletes one row of a user.
type deleter func(ctx context.Context, userID, id string) error

// checkDelete states the rules of every delete method: another user's row,
// an unknown id and a malformed id give ENotFound and delete nothing; the
// owner's delete removes the row, after which get and a second delete give
// ENotFound.
func checkDelete[T any](e *env, what string, del deleter, read getter[T], ownerID, otherID, id string) {
	e.t.Helper()
	t := e.t
	wantNotFound(t, del(e.ctx, otherID, id), what+" by another user")
	wantNotFound(t, del(e.ctx, ownerID, flux.NewID()), what+" of an unknown id")
	for _, bad := range malformedIDs {
		wantNotFound(t, del(e.ctx, ownerID, bad), fmt.Sprintf("%s(%q)", what, bad))
		wantNotFound(t, del(e.ctx, bad, id), fmt.Sprintf("%s with user id %q", what, bad))
	}
	if _, err := read(e.ctx, ownerID, id); err != nil {
		t.Errorf("%s: the row is gone after refused deletes: %v", what, err)
	}
	must(t, del(e.ctx, ownerID, id), what)
	_, err := read(e.ctx, ownerID, id)
	wantNotFound(t, err, "get after "+what)
	wantNotFound(t, del(e.ctx, ownerID, id), what+" a second time")
}
