package flux

import (
	"reflect"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// StorableText reports whether every store can keep s as it is: valid UTF-8
// without NUL characters. PostgreSQL refuses NUL in text and JSON, SQLite
// would keep it; Flux refuses it everywhere, at validation, so both stores
// behave alike.
func StorableText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsRune(s, 0)
}

// msgNotStorable is the FieldError message of a string StorableText refuses.
const msgNotStorable = "must not contain NUL characters (\\u0000) or invalid UTF-8"

// TextErrors walks v (a struct, pointer, map, slice or string, as decoded
// from JSON) and returns one FieldError for each string in it that
// StorableText refuses, map keys included. Each is named by its JSON path
// under field ("title", "notification_preferences.label", "tasks[2].title");
// struct fields are named by their json tags, and unexported or "-" fields
// are skipped.
func TextErrors(field string, v any) []FieldError {
	var fs []FieldError
	textErrors(&fs, field, reflect.ValueOf(v), 0)
	return fs
}

// maxTextDepth bounds the walk of TextErrors (JSON decoding allows 10000
// levels; nothing Flux stores is deeper than this).
const maxTextDepth = 64

func textErrors(fs *[]FieldError, path string, v reflect.Value, depth int) {
	if !v.IsValid() || depth > maxTextDepth || len(*fs) >= 20 {
		return
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			textErrors(fs, path, v.Elem(), depth+1)
		}
	case reflect.String:
		if !StorableText(v.String()) {
			*fs = append(*fs, FieldError{Field: orRoot(path), Message: msgNotStorable})
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if f.Anonymous && name == "" {
				textErrors(fs, path, v.Field(i), depth+1)
				continue
			}
			if name == "" {
				name = f.Name
			}
			textErrors(fs, join(path, name), v.Field(i), depth+1)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			return
		}
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if !StorableText(k) {
				*fs = append(*fs, FieldError{Field: orRoot(path), Message: "has a key that " + msgNotStorable})
				continue
			}
			textErrors(fs, join(path, k), iter.Value(), depth+1)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return // bytes (json.RawMessage, vectors): not text
		}
		for i := range v.Len() {
			textErrors(fs, path+"["+strconv.Itoa(i)+"]", v.Index(i), depth+1)
		}
	}
}

func join(path, name string) string {
	if path == "" {
		return name
	}
	return path + "." + name
}

func orRoot(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

// OneLine puts s on one line, safe to place in a prompt or a log message:
// control characters and line breaks become spaces, other unprintable
// characters are dropped, runs of space collapse, and the result is cut to
// max runes (ending in "…" when cut).
func OneLine(s string, max int) string {
	fields := strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
	})
	for i, f := range fields {
		fields[i] = strings.Map(func(r rune) rune {
			if !unicode.IsPrint(r) {
				return -1
			}
			return r
		}, f)
	}
	out := strings.Join(fields, " ")
	if r := []rune(out); len(r) > max {
		out = strings.TrimSpace(string(r[:max-1])) + "…"
	}
	return out
}
