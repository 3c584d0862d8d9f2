package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/text"
)

// FuzzDecode holds decode to its promise for any body: it never panics,
// refuses with a problem a person can act on (never an internal error), and
// what it accepts holds only text the text rule allows. The seed corpus is in
// testdata/fuzz/FuzzDecode; a longer run:
//
//	go test ./internal/web -run '^$' -fuzz FuzzDecode -fuzztime 10m
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"nation":"DEU","title":"Spring package","kind":"in_kind","lines":[{"nsn":"1320-12-345-6789","quantity":100,"unit_value":"500000.00"}]}`,
		`{"origin":"DE-DEPOT","destination":"UA-KYIV","planned_departure":"2025-02-26T08:00:00Z","lines":[{"allocation":1,"quantity":100}]}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, v := range []any{&pledgeInput{}, &logistics.NewShipment{}} {
			r := httptest.NewRequest("POST", "/api/v1/x", strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
			err := decode(httptest.NewRecorder(), r, v)
			if err != nil {
				if c := fault.Code(err); c == fault.Internal {
					t.Fatalf("%q: internal error %v", body, err)
				}
				if p := problemFor(err); p.Status >= 500 || p.Detail == "" {
					t.Fatalf("%q: problem %+v", body, p)
				}
				continue
			}
			out, _ := json.Marshal(v)
			var strs []string
			collect(out, &strs)
			for _, s := range strs {
				if err := text.Any("x", s); err != nil {
					t.Fatalf("%q: accepted text %q: %v", body, s, err)
				}
			}
		}
	})
}

// collect gathers the strings of a JSON document.
func collect(doc []byte, out *[]string) {
	walkStrings(doc, func(_ string, _ []byte, s string) error {
		*out = append(*out, s)
		return nil
	})
}
