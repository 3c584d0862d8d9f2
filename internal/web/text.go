package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/text"
)

// checkJSONText holds every string value of a JSON body to text.Any, naming
// the field at fault. It reads the raw bytes, because encoding/json silently
// replaces invalid UTF-8 and lone surrogates ("\ud800") with U+FFFD, which
// would change what the person sent without telling them.
func checkJSONText(body []byte) error {
	return walkStrings(body, func(field string, raw []byte, s string) error {
		if err := rawJSONString(field, raw); err != nil {
			return err
		}
		return text.Any(field, s)
	})
}

// pathOfString returns the path of the first string value in body equal to
// s, or "" when there is none, for an error that names a value but not
// where it was.
func pathOfString(body []byte, s string) string {
	var found string
	walkStrings(body, func(field string, _ []byte, v string) error {
		if v == s {
			found = field
			return errFound
		}
		return nil
	})
	return found
}

var errFound = errors.New("found")

// walkStrings calls fn with the path ("lines[2].notes", or "body" for a bare
// string), the raw literal (with whatever separator and space precede it) and
// the decoded value of every string value in body, stopping at fn's first
// error. A body that does not parse ends the walk early without error: decode
// reports that itself.
func walkStrings(body []byte, fn func(field string, raw []byte, s string) error) error {
	type frame struct {
		array bool
		key   string
		index int
		name  bool // an object awaiting its next key
	}
	var stack []*frame
	path := func() string {
		var b bytes.Buffer
		for _, f := range stack {
			if f.array {
				fmt.Fprintf(&b, "[%d]", f.index)
				continue
			}
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(f.key)
		}
		return b.String()
	}
	done := func() {
		if n := len(stack); n > 0 {
			if f := stack[n-1]; f.array {
				f.index++
			} else {
				f.name = true
			}
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return nil // io.EOF, or a syntax error decode reports itself
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, &frame{name: true})
			case '[':
				stack = append(stack, &frame{array: true})
			default:
				stack = stack[:len(stack)-1]
				done()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].name {
				stack[n-1].key, stack[n-1].name = t, false
				continue
			}
			field := path()
			if field == "" {
				field = "body"
			}
			if err := fn(field, body[start:dec.InputOffset()], t); err != nil {
				return err
			}
			done()
		default:
			done()
		}
	}
}

// rawJSONString refuses, in the literal raw (with whatever separator and
// space precede it), bytes that are not UTF-8 and escapes that decode to no
// character: a lone surrogate, or NUL.
func rawJSONString(field string, raw []byte) error {
	i := bytes.IndexByte(raw, '"')
	if i < 0 {
		return nil
	}
	s := raw[i+1:]
	if !utf8.Valid(s) {
		return fault.Field(field, "is not valid UTF-8 text")
	}
	hex := func(j int) (rune, bool) {
		if j+6 > len(s) || s[j] != '\\' || s[j+1] != 'u' {
			return 0, false
		}
		v, err := strconv.ParseUint(string(s[j+2:j+6]), 16, 32)
		return rune(v), err == nil
	}
	for j := 0; j < len(s); j++ {
		if s[j] != '\\' {
			continue
		}
		r, ok := hex(j)
		if !ok {
			j++ // a two-character escape such as \" or \\
			continue
		}
		switch {
		case r >= 0xD800 && r <= 0xDBFF:
			if lo, ok := hex(j + 6); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				j += 11
				continue
			}
			return fault.Field(field, "holds a lone surrogate (\\u%04x): it is not a character", r)
		case r >= 0xDC00 && r <= 0xDFFF:
			return fault.Field(field, "holds a lone surrogate (\\u%04x): it is not a character", r)
		}
		j += 5
	}
	return nil
}

// checkFormText holds every value of a submitted form to text.Any, naming
// the form field at fault. It parses the form as its handler will; a form
// that does not parse is left for the handler to report.
func checkFormText(r *http.Request) error {
	if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
		r.ParseMultipartForm(MaxUpload)
	} else {
		r.ParseForm()
	}
	values := map[string][]string{}
	for k, v := range r.PostForm {
		values[k] = v
	}
	if r.MultipartForm != nil {
		for k, v := range r.MultipartForm.Value {
			values[k] = v
		}
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := text.Any(k, k); err != nil {
			return fault.Field("form", "a field name is not text: %s", fault.As(err).Message)
		}
		for _, v := range values[k] {
			if err := text.Any(k, v); err != nil {
				return err
			}
		}
	}
	return nil
}
