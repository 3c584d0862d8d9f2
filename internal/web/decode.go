package web

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/money"
)

// fieldErrors walks body beside the Go type it is decoded into, as
// encoding/json matches them, and returns an error for every value that does
// not fit its field, each named by its full path ("lines[2].unit_value") and
// said as a person would want to read it, plus every field the type does not
// have. encoding/json stops at the first value that does not fit (or, for
// some, names it without its index); decode calls this once it has failed,
// so that one answer lists everything wrong with the body.
func fieldErrors(body []byte, t reflect.Type) fault.List {
	var l fault.List
	checkField(&l, "", bytes.TrimSpace(body), t)
	return l
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

func checkField(l *fault.List, path string, raw []byte, t reflect.Type) {
	if string(raw) == "null" {
		return // encoding/json leaves the field as it is
	}
	if pt := reflect.PointerTo(t); pt.Implements(jsonUnmarshaler) || pt.Implements(textUnmarshaler) {
		if err := json.Unmarshal(raw, reflect.New(t).Interface()); err != nil {
			l.Add(path, "%s", typedMessage(t, raw, err))
		}
		return
	}
	switch t.Kind() {
	case reflect.Pointer:
		checkField(l, path, raw, t.Elem())
	case reflect.Struct:
		fields := jsonFields(t)
		err := eachMember(raw, func(key string, v []byte) {
			ft, ok := fields[key]
			if !ok {
				for name, typ := range fields {
					if strings.EqualFold(name, key) {
						ft, ok = typ, true
						break
					}
				}
			}
			if !ok {
				l.Add(join(path, key), "is not a field of this request")
				return
			}
			checkField(l, join(path, key), v, ft)
		})
		if err != nil {
			l.Add(path, "must be a JSON object, not %s", jsonKind(raw))
		}
	case reflect.Map:
		err := eachMember(raw, func(key string, v []byte) { checkField(l, join(path, key), v, t.Elem()) })
		if err != nil {
			l.Add(path, "must be a JSON object, not %s", jsonKind(raw))
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			leaf(l, path, raw, t)
			return
		}
		var els []json.RawMessage
		if json.Unmarshal(raw, &els) != nil {
			l.Add(path, "must be a JSON array, not %s", jsonKind(raw))
			return
		}
		for i, el := range els {
			checkField(l, fmt.Sprintf("%s[%d]", path, i), bytes.TrimSpace(el), t.Elem())
		}
	case reflect.Interface:
	default:
		leaf(l, path, raw, t)
	}
}

// decimalFields are the JSON names of the string fields that hold a decimal
// number (money, measures, rates), sent as strings so that no float is
// involved: a bare number there is answered with how to write one.
var decimalFields = map[string]bool{"amount": true, "unit_value": true, "cost": true, "cost_per_seat": true, "per_eur": true, "mass_kg": true, "volume_m3": true}

// leaf checks a value of a plain kind: a string, a bool or a number.
func leaf(l *fault.List, path string, raw []byte, t reflect.Type) {
	if json.Unmarshal(raw, reflect.New(t).Interface()) == nil {
		return
	}
	kind := jsonKind(raw)
	switch t.Kind() {
	case reflect.String:
		if kind == "a number" && decimalFields[path[strings.LastIndexAny(path, ".]")+1:]] {
			l.Add(path, `must be a string: write amounts as decimal strings such as "1250.50"`)
			return
		}
		l.Add(path, "must be a string, not %s", kind)
	case reflect.Bool:
		l.Add(path, "must be true or false, not %s", kind)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		l.Add(path, "%s", wholeNumber(raw, t))
	default:
		l.Add(path, "must be %s, not %s", t.Kind(), kind)
	}
}

// wholeNumber says why raw does not fit an integer field of type t.
func wholeNumber(raw []byte, t reflect.Type) string {
	lo, hi := int64(math.MinInt64), uint64(math.MaxInt64)
	switch t.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32:
		lo, hi = -1<<(t.Bits()-1), 1<<(t.Bits()-1)-1
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		lo, hi = 0, 1<<t.Bits()-1
	}
	s := string(raw)
	if jsonKind(raw) != "a number" {
		return fmt.Sprintf("must be a whole number, not %s", jsonKind(raw))
	}
	if strings.ContainsAny(s, ".eE") {
		return fmt.Sprintf("must be a whole number, not %s", s)
	}
	return fmt.Sprintf("%s is out of range: it must be a whole number from %d to %d", s, lo, hi)
}

// typedMessage says what a value of a type with its own decoding (money,
// times, markings) must look like.
func typedMessage(t reflect.Type, raw []byte, err error) string {
	got := string(raw)
	if len(got) > 40 {
		got = got[:40] + "…"
	}
	switch t {
	case reflect.TypeFor[money.Cents]():
		if errors.Is(err, money.ErrRange) {
			return fmt.Sprintf("%s %v", got, money.ErrTooLarge)
		}
		return fmt.Sprintf("%s, not %s", money.AmountHint, got)
	case reflect.TypeFor[time.Time]():
		return fmt.Sprintf(`must be a time in RFC 3339, such as "2025-03-01T08:00:00Z", not %s`, got)
	case reflect.TypeFor[access.Classification]():
		if jsonKind(raw) != "a string" {
			return fmt.Sprintf("must be a string naming a classification, such as %q, not %s", access.Restricted.String(), jsonKind(raw))
		}
	}
	if e := fault.As(err); e != nil {
		return e.Message
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}

// jsonFields maps the JSON names of t's fields to their types, as
// encoding/json resolves them: a tag's name or the field's, the fields of
// untagged embedded structs promoted, the shallower of two of the same name
// winning, "-" and unexported fields left out.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	depth := map[string]int{}
	var walk func(t reflect.Type, d int)
	walk = func(t reflect.Type, d int) {
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, _, _ := strings.Cut(tag, ",")
			if f.Anonymous && name == "" {
				ft := f.Type
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					walk(ft, d+1)
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if old, ok := depth[name]; ok && old <= d {
				continue
			}
			out[name], depth[name] = f.Type, d
		}
	}
	walk(t, 0)
	return out
}

// eachMember calls fn with each key and raw value of the JSON object raw, in
// the order the body gives them.
func eachMember(raw []byte, fn func(key string, v []byte)) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return errors.New("not an object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		key, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		fn(key, bytes.TrimSpace(v))
	}
	if _, err := dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	return nil
}

// jsonKind names the kind of a JSON value: "a string", "an array", ….
func jsonKind(raw []byte) string {
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '"':
		return "a string"
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	if _, err := strconv.ParseFloat(string(raw), 64); err == nil || raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9') {
		return "a number"
	}
	return "a value"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
