package exchange_test

import (
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// FuzzImport feeds any file, as any kind, to the importer over a real
// database: it never panics and refuses what it cannot take with a problem
// a person can act on, never an internal error (which a store refusing NUL
// or a broken encoding would be). The seed corpus is in
// testdata/fuzz/FuzzImport; a longer run:
//
//	go test ./internal/exchange -run '^$' -fuzz FuzzImport -fuzztime 10m
func FuzzImport(f *testing.F) {
	im, _ := importer(f)
	ctx := storetest.Ctx()
	// Workbooks and the encodings Excel writes, beside the CSV corpus.
	csv := "# NATO UNCLASSIFIED\n" + pledgeHead + pledgeRows
	if book, err := exchange.ToXLSX([]byte(csv), "pledges", map[string][]string{"nation": {"DEU", "DNK"}}); err == nil {
		f.Add(uint8(2), string(book))
	}
	f.Add(uint8(2), "\xff\xfe"+strings.Repeat("a\x00", 8))
	f.Add(uint8(2), strings.ReplaceAll(pledgeHead+pledgeRows, ",", ";")+"\xe9\x80")
	f.Fuzz(func(t *testing.T, kind uint8, csv string) {
		k := exchange.Kinds[int(kind)%len(exchange.Kinds)]
		_, err := im.Import(ctx, k, strings.NewReader(csv), true)
		if err != nil && fault.Code(err) == fault.Internal {
			t.Fatalf("%s %q: internal error %v", k, csv, err)
		}
		if _, _, err := exchange.ReadNetwork(strings.NewReader(csv)); err != nil && fault.Code(err) == fault.Internal {
			t.Fatalf("network %q: internal error %v", csv, err)
		}
	})
}
