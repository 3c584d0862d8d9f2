// Package fault owns Longhaul's application error: a code that says what kind
// of failure it is, the field at fault where there is one, and a message a
// person can act on. Code deep in a domain package or the store returns a
// *fault.Error; only the web layer turns a code into an HTTP status.
//
// It imports nothing of Longhaul's.
package fault

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Codes say what kind of failure an error is.
const (
	Conflict     = "conflict"     // the record changed since it was read, or a unique key is taken
	Internal     = "internal"     // a bug or an unavailable dependency; the detail is logged, never shown
	Invalid      = "invalid"      // the input breaks a rule; Field names where
	NotFound     = "not_found"    // no such record, or not one the reader may see
	Unauthorized = "unauthorized" // no valid identity
	Forbidden    = "forbidden"    // an identity that may not do this
	TooLarge     = "too_large"    // the request body is over its limit
	Unsupported  = "unsupported"  // a media type the endpoint does not take
	Precondition = "precondition" // a required precondition (If-Match) is missing
	Full         = "storage_full" // the storage is full: nothing was saved, and writes fail until an operator makes room
	Unavailable  = "unavailable"  // the storage cannot take writes for now (out of memory, too many connections): try again later
	TooMany      = "too_many"     // more requests, or failed sign-ins, than the caller's limit: try again after RetryAfter
)

// Error is an application error with a code, an optional field and a message.
type Error struct {
	Code    string
	Field   string // JSON path of the offending input, e.g. "lines[2].quantity"
	Message string
	// Problems holds further field errors found in the same input, so a form or
	// an import can report all of them at once.
	Problems []*Error
	// Cause is the error underneath, for the log; it is never shown.
	Cause error
	// RetryAfter is how long the caller should wait before trying again,
	// for TooMany; zero when it does not apply.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s", e.Field, e.Message)
	}
	return e.Message
}

// Unwrap returns the cause, so that errors.Is and errors.As see it.
func (e *Error) Unwrap() error { return e.Cause }

// Errorf returns an error with code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Field returns an Invalid error for one input field.
func Field(field, format string, args ...any) *Error {
	return &Error{Code: Invalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Code returns the code of err: the code of the first *Error in its chain, or
// Internal for any other non-nil error.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the *Error in err's chain, or nil.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}

// List gathers field errors so that validation can report every problem at
// once rather than only the first.
type List []*Error

// OneOf adds an error for field unless v is one of allowed, naming them.
func (l *List) OneOf(field, v string, allowed []string) {
	for _, a := range allowed {
		if v == a {
			return
		}
	}
	if v == "" {
		l.Add(field, "is required: use one of %s", strings.Join(allowed, ", "))
		return
	}
	l.Add(field, "%q is not allowed: use one of %s", v, strings.Join(allowed, ", "))
}

// Add appends a field error.
func (l *List) Add(field, format string, args ...any) {
	*l = append(*l, Field(field, format, args...))
}

// Append appends err, prefixing its field with prefix when err is a field error.
func (l *List) Append(prefix string, err error) {
	if err == nil {
		return
	}
	e := As(err)
	if e == nil {
		*l = append(*l, &Error{Code: Internal, Message: err.Error()})
		return
	}
	if len(e.Problems) > 0 {
		for _, p := range e.Problems {
			l.Append(prefix, p)
		}
		return
	}
	c := *e
	if prefix != "" {
		if c.Field == "" {
			c.Field = prefix
		} else if c.Field[0] == '[' {
			c.Field = prefix + c.Field
		} else {
			c.Field = prefix + "." + c.Field
		}
	}
	*l = append(*l, &c)
}

// Err returns nil for an empty list, the only error for a list of one, and
// otherwise an Invalid error whose Problems hold them all.
func (l List) Err() error {
	switch len(l) {
	case 0:
		return nil
	case 1:
		return l[0]
	}
	return &Error{Code: Invalid, Field: l[0].Field, Message: fmt.Sprintf("%d problems, the first: %s", len(l), l[0].Error()), Problems: l}
}

// CheckVersion refuses a stale version: have is the stored record's, want
// the one the caller read (zero when they named none).
func CheckVersion(what string, have, want int64) error {
	if want != 0 && have != want {
		return Errorf(Conflict, "%s was changed by someone else (version %d, you had %d): reload and try again", what, have, want)
	}
	return nil
}

// NotFoundAsInvalid turns a not-found error into an Invalid one with the
// message format gives, for a reference a person typed; other errors pass
// through.
func NotFoundAsInvalid(err error, format string, args ...any) error {
	if Code(err) == NotFound {
		return &Error{Code: Invalid, Message: fmt.Sprintf(format, args...)}
	}
	return err
}

// Has reports whether the list holds a problem of field.
func (l List) Has(field string) bool {
	for _, e := range l {
		if e.Field == field {
			return true
		}
	}
	return false
}

// AppendNew appends the problems of err whose field the list has no
// problem with yet: a record's later checks add what its first ones did
// not already say, so that a form or a row reports each field once.
func (l *List) AppendNew(prefix string, err error) {
	var more List
	more.Append(prefix, err)
	for _, e := range more {
		if e.Field == "" || !l.Has(e.Field) {
			*l = append(*l, e)
		}
	}
}

// Also joins the problems of reading an input with those its use case
// found in what did read, each field once, so that a form, a request or a
// row reports every problem in one answer. An error of the use case that
// is not a problem of the input (a refusal, a failure) is returned alone.
func Also(read, checked error) error {
	if checked != nil && Code(checked) != Invalid {
		return checked
	}
	var l List
	l.Append("", read)
	l.AppendNew("", checked)
	return l.Err()
}
