package cli

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
	"github.com/longhaul/longhaul/internal/training"
)

// formatReceiptLine writes rl in the syntax of `longhaul shipment receive
// --line`.
func formatReceiptLine(no int, received int64, kind, reason string) string {
	s := fmt.Sprintf("%d=%d", no, received)
	if kind != "" || reason != "" {
		s += ":" + kind
	}
	if reason != "" {
		s += ":" + reason
	}
	return s
}

// FuzzReceiptLine holds the receipt syntax of `longhaul shipment receive
// --line NO=RECEIVED[:KIND:REASON]` to a round trip: what it accepts holds
// the line number and quantity written (around white space) and the kind
// and reason as given, and writes back to a line that reads the same; what
// it refuses is refused naming --line and quoting what was typed. The seeds
// are the lines of the command's usage and of the tests.
//
//	go test ./internal/cli -run '^$' -fuzz '^FuzzReceiptLine$' -fuzztime 10m -parallel 1
func FuzzReceiptLine(f *testing.F) {
	for _, s := range []string{"1=38", `1=38:damaged:"two crates crushed"`, "2=0:missing:lost in transit", "3=40:surplus:", " 1 = 38 ", "1=38:damaged:a:b",
		"1=", "=38", "x=1", "1=x", "1=-1", "-1=5", "+1=+5", "1=38:", "1=38::reason", "1==38", "9223372036854775808=1", "1=9223372036854775808", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		rl, err := parseReceiptLine(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("--line %q", s)) {
				t.Fatalf("parseReceiptLine(%q) refused with %q", s, err)
			}
			return
		}
		no, rest, _ := strings.Cut(s, "=")
		qty, _, _ := strings.Cut(rest, ":")
		if n, _ := strconv.Atoi(strings.TrimSpace(no)); n != rl.No {
			t.Fatalf("parseReceiptLine(%q) has line %d", s, rl.No)
		}
		if q, _ := strconv.ParseInt(strings.TrimSpace(qty), 10, 64); q != rl.Received {
			t.Fatalf("parseReceiptLine(%q) received %d", s, rl.Received)
		}
		if strings.Contains(rl.Kind, ":") {
			t.Fatalf("parseReceiptLine(%q) has kind %q", s, rl.Kind)
		}
		out := formatReceiptLine(rl.No, rl.Received, rl.Kind, rl.Reason)
		if back, err := parseReceiptLine(out); err != nil || back != rl {
			t.Fatalf("parseReceiptLine(%q) = %+v, written %q reads back %+v, %v", s, rl, out, back, err)
		}
	})
}

// FuzzParseDays holds parseDays, which reads the horizon of `longhaul plan
// allocate` and the days of the planner's commands, to its usage, "a number
// of days from 1 to 366, e.g. 30d": it accepts exactly a whole number in
// range with an optional d (Sscanf read "30x" as 30), and that number.
//
//	go test ./internal/cli -run '^$' -fuzz '^FuzzParseDays$' -fuzztime 10m -parallel 1
func FuzzParseDays(f *testing.F) {
	for _, s := range []string{"30", "30d", "90d", " 7d ", "0", "367", "366d", "30x", "30days", "3 0", "0x1F", "1e2", "+30", "-30", "30dd", "٣٠", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseDays(s)
		m, aerr := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(s), "d"))
		want := aerr == nil && m >= 1 && m <= 366
		if (err == nil) != want || (want && n != m) {
			t.Fatalf("parseDays(%q) = %d, %v; want %d, valid=%v", s, n, err, m, want)
		}
	})
}

// FuzzReadCourses feeds any file to `longhaul course import` as it reads
// it (readCourses, then the training service's import, all or nothing, over
// a real database holding the demo's nations and sites): it never panics,
// and refuses what it cannot take with problems on the file's lines (never
// an internal error, which a NUL byte, a broken encoding or a line too
// short once could be). The seeds are the course file of the CLI's tests
// and files that break the CSV.
//
//	go test ./internal/cli -run '^$' -fuzz '^FuzzReadCourses$' -fuzztime 10m -parallel 1
func FuzzReadCourses(f *testing.F) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(f, storetest.SQLiteDSN(f), now)
	ctx := storetest.Ctx()
	if err := demo.Load(ctx, &catalog.Service{Store: store.Catalog{DB: db}}, &assist.Service{Store: store.Assist{DB: db}}, now); err != nil {
		f.Fatal(err)
	}
	svc := &training.Service{Store: store.Training{DB: db}}
	head := strings.Join(courseColumns, ",") + "\n"
	for _, s := range []string{
		"code,title,skill,host,site,seats_per_class,min_size,prerequisite,cost_per_seat_eur\nLEO-B,Leopard basics,LEO-BASIC,DEU,DE-MUN,20,4,,10000\nLEO,Leopard crews,LEOPARD-2,DEU,DE-MUN,12,8,LEO-B,40000\n",
		head + "F16,F-16 pilots,F-16,DNK,DK-SKR,english,true,6,2,,1250000.00\n",
		head + "F16,F-16 pilots,F-16,DNK,DK-SKR,english,yes,6,2,F16,4000,50\n",
		"# NATO UNCLASSIFIED\n" + head + "X,\"unterminated,F,DEU,DE-MUN,en,no,1,1,,1\n",
		head + "X,T\x00,S,DEU,DE-MUN,en,no,1,1,,1\n", head + "X,T\xff,S,DEU,DE-MUN,en,no,1,1,,1\n", head + "X\n", "code,code\nA,B\n", "", "\ufeffcode\n",
		head + "X,T,S,DEU,DE-MUN,en,no,-1,99999999999,,92233720368547758.07\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, file string) {
		offers, err := readCourses(strings.NewReader(file))
		if err == nil {
			err = svc.ImportCourses(ctx, offers)
		}
		if err == nil {
			return
		}
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal {
			t.Fatalf("%q: internal error %v", file, err)
		}
		for _, p := range append([]*fault.Error{e}, e.Problems...) {
			if p.Field != "" && !strings.HasPrefix(p.Field, "line ") {
				t.Fatalf("%q: a problem on %q, not on a line of the file: %v", file, p.Field, err)
			}
		}
	})
}
