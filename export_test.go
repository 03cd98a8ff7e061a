package flux

// SetUnknownZoneHook replaces the report of an unknown zone name for a
// test and returns a function that restores it.
func SetUnknownZoneHook(fn func(name string, err error)) (restore func()) {
	old := unknownZone
	unknownZone = fn
	return func() { unknownZone = old }
}
