package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/fault"
)

// MaxBody is the largest request body the API reads.
const MaxBody = 1 << 20

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type      string         `json:"type"`
	Title     string         `json:"title"`
	Status    int            `json:"status"`
	Detail    string         `json:"detail"`
	Field     string         `json:"field,omitempty"`
	Errors    []ProblemField `json:"errors,omitempty"`
	RequestID string         `json:"request_id,omitempty"`
}

// ProblemField is one field at fault.
type ProblemField struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

var statusByCode = map[string]int{
	fault.Invalid:      http.StatusUnprocessableEntity,
	fault.Conflict:     http.StatusConflict,
	fault.NotFound:     http.StatusNotFound,
	fault.Unauthorized: http.StatusUnauthorized,
	fault.Forbidden:    http.StatusForbidden,
	fault.TooLarge:     http.StatusRequestEntityTooLarge,
	fault.Unsupported:  http.StatusUnsupportedMediaType,
	fault.Internal:     http.StatusInternalServerError,
	fault.Full:         http.StatusInsufficientStorage,
	fault.Unavailable:  http.StatusServiceUnavailable,
	fault.TooMany:      http.StatusTooManyRequests,
	"malformed":        http.StatusBadRequest,
}

// retryAfter is the Retry-After, in seconds, of a write refused because the
// storage is full or cannot take writes: long enough for an operator's
// alarm, short enough that a person's retry soon succeeds once it is over.
const retryAfter = "60"

// retrySeconds is d as a Retry-After: whole seconds, rounded up, at least 1.
func retrySeconds(d time.Duration) string {
	sec := int64((d + time.Second - 1) / time.Second)
	if sec < 1 {
		sec = 1
	}
	return strconv.FormatInt(sec, 10)
}

// malformed is the code of a body that could not be read at all.
const malformed = "malformed"

// problemFor turns err into a problem; internal errors say only "internal error".
func problemFor(err error) Problem {
	e := fault.As(err)
	code := fault.Code(err)
	status := statusByCode[code]
	if status == 0 {
		status = http.StatusInternalServerError
	}
	p := Problem{Type: "/problems/" + strings.ReplaceAll(code, "_", "-"), Title: http.StatusText(status), Status: status}
	if code == fault.Internal || e == nil {
		p.Type, p.Detail = "/problems/internal", "internal error"
		return p
	}
	p.Detail, p.Field = e.Message, e.Field
	if e.Field != "" {
		p.Detail = e.Error()
	}
	for _, sub := range e.Problems {
		p.Errors = append(p.Errors, ProblemField{Field: sub.Field, Detail: sub.Message})
	}
	if len(p.Errors) == 0 && e.Field != "" {
		p.Errors = []ProblemField{{Field: e.Field, Detail: e.Message}}
	}
	return p
}

func (s *Server) renderError(w http.ResponseWriter, r *http.Request, api bool, err error) {
	p := problemFor(err)
	p.RequestID = RequestID(r.Context())
	if p.Status >= 500 {
		var cause error
		if e := fault.As(err); e != nil {
			cause = e.Cause
		}
		s.Log.ErrorContext(r.Context(), "request failed", "request_id", p.RequestID, "method", r.Method, "path", r.URL.Path, "err", err, "cause", cause)
	}
	if p.Status == http.StatusInsufficientStorage || p.Status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", retryAfter)
	}
	if e := fault.As(err); e != nil && e.Code == fault.TooMany {
		w.Header().Set("Retry-After", retrySeconds(e.RetryAfter))
	}
	if api {
		if p.Status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="longhaul"`)
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(p.Status)
		json.NewEncoder(w).Encode(p)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(p.Status)
	s.pages.render(w, "error", s.pageData(r, "Error", p))
}

func notFoundPath(r *http.Request) error {
	return fault.Errorf(fault.NotFound, "nothing at %s %s", r.Method, r.URL.Path)
}

func isHTMLRequest(r *http.Request) bool {
	return !strings.HasPrefix(r.URL.Path, "/api/") && strings.Contains(r.Header.Get("Accept"), "text/html")
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// decode reads a JSON body of at most MaxBody bytes into v, refusing
// unknown fields, trailing data and other media types, and naming the field
// at fault where it can.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return fault.Errorf(fault.Unsupported, "the body must be application/json, not %q", ct)
		}
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBody))
	if err != nil {
		return decodeError(err, nil)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var syn *json.SyntaxError
		if t := reflect.TypeOf(v); t.Kind() == reflect.Pointer && json.Valid(body) && !errors.As(err, &syn) &&
			bytes.HasPrefix(bytes.TrimSpace(body), []byte("{")) {
			// A value that does not fit its field: name every one.
			if l := fieldErrors(body, t.Elem()); len(l) > 0 {
				return l.Err()
			}
		}
		return decodeError(err, body)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return decodeError(err, body)
		}
		return &fault.Error{Code: malformed, Message: "the body holds more than one JSON value"}
	}
	return checkJSONText(body)
}

// locate finds, for encoding/json's index-free path such as
// "lines.quantity", the element of each array on the way whose value does
// not fit the expected kind, and returns the full path "lines[2].quantity".
func locate(body []byte, path string, fits func(any) bool) string {
	var doc any
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber()
	if d.Decode(&doc) != nil {
		return jsonPath(path)
	}
	var walk func(v any, parts []string, prefix string) (string, bool)
	walk = func(v any, parts []string, prefix string) (string, bool) {
		if arr, ok := v.([]any); ok {
			for i, el := range arr {
				if p, ok := walk(el, parts, fmt.Sprintf("%s[%d]", prefix, i)); ok {
					return p, true
				}
			}
			return "", false
		}
		if len(parts) == 0 {
			return prefix, !fits(v)
		}
		m, ok := v.(map[string]any)
		if !ok {
			return "", false
		}
		next := parts[0]
		if prefix != "" {
			next = prefix + "." + parts[0]
		}
		child, ok := m[parts[0]]
		if !ok {
			return "", false
		}
		return walk(child, parts[1:], next)
	}
	if p, ok := walk(doc, strings.Split(path, "."), ""); ok {
		return p
	}
	return jsonPath(path)
}

func decodeError(err error, body []byte) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var big *http.MaxBytesError
	switch {
	case errors.As(err, &big):
		return fault.Errorf(fault.TooLarge, "the body is larger than %d bytes", MaxBody)
	case errors.Is(err, io.EOF):
		return &fault.Error{Code: malformed, Message: "the body is empty: send a JSON object"}
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &fault.Error{Code: malformed, Message: "the body is not valid JSON: it ends too early"}
	case errors.As(err, &syn):
		return &fault.Error{Code: malformed, Message: fmt.Sprintf("the body is not valid JSON at byte %d: %v", syn.Offset, syn)}
	case errors.As(err, &typ) && typ.Field == "" && typ.Type.Kind() == reflect.Struct:
		return &fault.Error{Code: malformed, Message: fmt.Sprintf("the body must be a JSON object, not %s", article(typ.Value))}
	case errors.As(err, &typ):
		want := typ.Type.String()
		switch want {
		case "int64", "int":
			field := locate(body, typ.Field, func(v any) bool {
				n, ok := v.(json.Number)
				if !ok {
					return false
				}
				_, err := n.Int64()
				return err == nil
			})
			return fault.Field(field, "must be a whole number, not %s", typ.Value)
		case "string":
			field := locate(body, typ.Field, func(v any) bool { _, ok := v.(string); return ok })
			if strings.HasPrefix(typ.Value, "number") {
				return fault.Field(field, "must be a string: write amounts as decimal strings such as \"1250.50\"")
			}
			return fault.Field(field, "must be a string, not %s", typ.Value)
		}
		return fault.Field(jsonPath(typ.Field), "must be %s, not %s", want, typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, _ := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		return fault.Field(name, "is not a field of this request")
	}
	var tpe *time.ParseError
	if errors.As(err, &tpe) {
		v, _ := strconv.Unquote(tpe.Value)
		if v == "" {
			v = tpe.Value
		}
		return fault.Field(pathOfString(body, v), "%q is not a time: write it as RFC 3339, such as \"2025-03-01T08:00:00Z\"", v)
	}
	// Errors from a field's own UnmarshalJSON (money, classification).
	msg := err.Error()
	return fault.Field("", "%s", strings.TrimPrefix(msg, "json: "))
}

// renamed returns err with its field from, as a domain names it, called
// to, as the request that was refused names it; other errors pass through.
func renamed(err error, from, to string) error {
	e := fault.As(err)
	if e == nil {
		return err
	}
	name := func(f string) string {
		if f == from {
			return to
		}
		if rest, ok := strings.CutPrefix(f, from); ok && (rest[0] == '.' || rest[0] == '[') {
			return to + rest
		}
		return f
	}
	if len(e.Problems) > 0 {
		var l fault.List
		for _, p := range e.Problems {
			q := *p
			q.Field = name(q.Field)
			l = append(l, &q)
		}
		return l.Err()
	}
	c := *e
	c.Field = name(c.Field)
	return &c
}

// article puts "a" or "an" before a JSON kind such as "array".
func article(kind string) string {
	if strings.IndexByte("aeiou", kind[0]) >= 0 {
		return "an " + kind
	}
	return "a " + kind
}

// uploadError turns a file body over MaxUpload into a 413 that says so;
// other errors pass through.
func uploadError(err error) error {
	var big *http.MaxBytesError
	if errors.As(err, &big) {
		return fault.Errorf(fault.TooLarge, "the file is larger than %d MiB: split it", big.Limit>>20)
	}
	return err
}

// jsonPath turns encoding/json's "lines.2.quantity" into "lines[2].quantity".
func jsonPath(p string) string {
	parts := strings.Split(p, ".")
	var b strings.Builder
	for i, s := range parts {
		if _, err := strconv.Atoi(s); err == nil {
			b.WriteString("[" + s + "]")
			continue
		}
		if i > 0 {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

// ifMatchVersion is the If-Match header the API document states: an ETag
// "v12", weak or not, its quotes or "v" optional.
var ifMatchVersion = regexp.MustCompile(`^"?v?([0-9]+)"?$`)

// ifMatch returns the version named by an If-Match header of the form
// "v12" (quoted, as an ETag), or 0 when there is none. It takes only what
// the API document's pattern for If-Match allows: no sign, no doubled
// quotes.
func ifMatch(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" || h == "*" {
		return 0, nil
	}
	h = strings.TrimPrefix(h, "W/")
	m := ifMatchVersion.FindStringSubmatch(h)
	v, err := int64(0), strconv.ErrSyntax
	if m != nil {
		v, err = strconv.ParseInt(m[1], 10, 64)
	}
	if err != nil || v <= 0 {
		return 0, fault.Field("If-Match", "%q is not an ETag this server gave out", h)
	}
	return v, nil
}

func setETag(w http.ResponseWriter, version int64) {
	w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, version))
}
