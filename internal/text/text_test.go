package text_test

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/text"
)

func TestLineAndLines(t *testing.T) {
	for _, c := range []struct {
		name, in    string
		line, lines string // "" for accepted, else part of the message
	}{
		{"plain", "Spring package", "", ""},
		{"accents and emoji", "Lviv – Львів 🚚", "", ""},
		{"tab", "a\tb", "", ""},
		{"newline", "a\nb", "single line", ""},
		{"carriage return", "a\r\nb", "single line", ""},
		{"NUL", "a\x00b", "NUL", "NUL"},
		{"bell", "a\ab", "U+0007", "U+0007"},
		{"escape", "a\x1b[2Jb", "U+001B", "U+001B"},
		{"C1 control", "a\u0085b", "U+0085", "U+0085"},
		{"invalid UTF-8", "a\xffb", "UTF-8", "UTF-8"},
		{"encoded surrogate", "a\xed\xa0\x80b", "UTF-8", "UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, f := range []struct {
				check func(string, string) error
				want  string
			}{{text.Line, c.line}, {text.Lines, c.lines}} {
				err := f.check("title", c.in)
				if f.want == "" && err != nil {
					t.Errorf("refused: %v", err)
				}
				if f.want != "" && (err == nil || !strings.Contains(err.Error(), f.want) || fault.As(err).Field != "title") {
					t.Errorf("got %v, want a title error mentioning %q", err, f.want)
				}
			}
		})
	}
}

func TestBlank(t *testing.T) {
	for in, want := range map[string]bool{
		"": true, "  \t": true, "\u200b\u200b": true, "\ufeff\u2060\u200d": true, "\u00ad": true, "\u3164": true,
		"x": false, "\u200bx\u200b": false, "·": false,
	} {
		if got := text.Blank(in); got != want {
			t.Errorf("Blank(%q) = %v, want %v", in, got, want)
		}
	}
}
