// Package text owns the rule every piece of text a person sends must meet
// before it is stored: valid UTF-8, no NUL or other control characters (tab
// and line breaks only where a field takes several lines), and, for a field
// that is required, something visible once invisible characters are removed.
// Nothing is repaired: text that breaks the rule is refused, naming the field,
// so that what is stored is exactly what was typed.
//
// It imports nothing of Longhaul's but fault.
package text

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/longhaul/longhaul/internal/fault"
)

// Line checks a single-line field: tab is allowed, line breaks are not.
func Line(field, s string) error { return check(field, s, false) }

// Lines checks a field that may hold several lines: tab, newline and
// carriage return are allowed.
func Lines(field, s string) error { return check(field, s, true) }

// Any checks text whose field does not say whether it takes several lines
// (a JSON body or a form before it reaches its use case): tab, newline and
// carriage return are allowed, every other control character is refused.
func Any(field, s string) error { return check(field, s, true) }

func check(field, s string, multiline bool) error {
	if !utf8.ValidString(s) {
		return fault.Field(field, "is not valid UTF-8 text")
	}
	for _, r := range s {
		switch {
		case r == 0:
			return fault.Field(field, "holds a NUL character")
		case r == '\t':
		case r == '\n' || r == '\r':
			if !multiline {
				return fault.Field(field, "must be a single line")
			}
		case r >= 0xD800 && r <= 0xDFFF:
			return fault.Field(field, "holds a lone surrogate (U+%04X)", r)
		case unicode.IsControl(r):
			return fault.Field(field, "holds the control character U+%04X", r)
		}
	}
	return nil
}

// Blank reports whether s shows nothing: empty once white space and
// invisible characters (zero-width spaces and joiners, the byte order mark,
// soft hyphens, bidirectional marks and other format characters) are
// removed.
func Blank(s string) bool {
	for _, r := range s {
		if !unicode.IsSpace(r) && !invisible(r) {
			return false
		}
	}
	return true
}

func invisible(r rune) bool {
	switch r {
	case '\u115F', '\u1160', '\u3164', '\uFFA0', '\u2800': // Hangul fillers, braille blank
		return true
	}
	return unicode.Is(unicode.Cf, r) || unicode.IsControl(r)
}

// TrimBlank returns "" for a Blank s and s trimmed of white space otherwise,
// for code that tests a required field with s == "".
func TrimBlank(s string) string {
	if Blank(s) {
		return ""
	}
	return strings.TrimSpace(s)
}
