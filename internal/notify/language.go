package notify

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The languages notifications are written in: English, the default;
// French, NATO's other official language; Ukrainian, the recipients'.
const (
	English   = "en"
	French    = "fr"
	Ukrainian = "uk"
)

// Language is a language notifications are written in: its code (ISO
// 639-1) and its name in itself, as the settings offer it.
type Language struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Languages lists the languages, in the order the settings offer them.
var Languages = []Language{{English, "English"}, {French, "Français"}, {Ukrainian, "Українська"}}

// LanguageCodes lists the codes of the languages.
func LanguageCodes() []string {
	out := make([]string, len(Languages))
	for i, l := range Languages {
		out[i] = l.Code
	}
	return out
}

// KnownLanguage reports whether code is a language notifications are
// written in.
func KnownLanguage(code string) bool {
	for _, l := range Languages {
		if l.Code == code {
			return true
		}
	}
	return false
}

// languageList names the languages for an error message: "en (English),
// fr (Français) or uk (Українська)".
func languageList() string {
	var b strings.Builder
	for i, l := range Languages {
		switch {
		case i == len(Languages)-1:
			b.WriteString(" or ")
		case i > 0:
			b.WriteString(", ")
		}
		b.WriteString(l.Code + " (" + l.Name + ")")
	}
	return b.String()
}

// group writes n with its digits in groups of three, parted by sep:
// 1,250 in English, 1 250 in French and Ukrainian. An empty sep writes
// the digits alone.
func group(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	sign := ""
	if n < 0 {
		sign, s = "-", s[1:]
	}
	if sep == "" || len(s) <= 3 {
		return sign + s
	}
	var b strings.Builder
	b.WriteString(sign)
	head := len(s) % 3
	if head > 0 {
		b.WriteString(s[:head])
	}
	for i := head; i < len(s); i += 3 {
		if i > 0 {
			b.WriteString(sep)
		}
		b.WriteString(s[i : i+3])
	}
	return b.String()
}

// pluralUK picks the Ukrainian form for n: one (1, 21, 101), few (2–4,
// 22–24) or many (0, 5–20, 25–30, …).
func pluralUK(n int64, one, few, many string) string {
	if n < 0 {
		n = -n
	}
	switch d, dd := n%10, n%100; {
	case d == 1 && dd != 11:
		return one
	case d >= 2 && d <= 4 && (dd < 12 || dd > 14):
		return few
	}
	return many
}

// pluralFR picks the French form for n: singular for 0 and 1.
func pluralFR(n int64, one, other string) string {
	if n == 0 || n == 1 || n == -1 {
		return one
	}
	return other
}

// pluralEN picks the English form for n.
func pluralEN(n int64, one, other string) string {
	if n == 1 || n == -1 {
		return one
	}
	return other
}

// lowerFirst lowers the first letter of s, for a title used inside a
// sentence, leaving the rest (an acronym such as ETA) as it is.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}
