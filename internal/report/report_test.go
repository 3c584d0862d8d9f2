package report_test

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/report"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// seeded is a database at 2025-03-01 with a German pledge of 155 mm
// rounds, 30 delivered, and a restricted French one delivered in full.
func seeded(t *testing.T) *store.DB {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteDSN(t), time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	storetest.Seed(t, db)
	ctx := storetest.Ctx()
	svc := &assist.Service{Store: store.Assist{DB: db}}
	req, err := svc.CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSN155, Quantity: 200, Priority: 1, NeedBy: "2025-06-01", DeliverySite: storetest.SiteKyiv})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []assist.Pledge{
		{Nation: "DEU", Title: "155 mm rounds, spring", Kind: "in_kind", Channel: "bilateral", Category: "in_kind", Announced: "2025-01-10", Promised: "2025-02-15",
			Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 100, Valuation: assist.Valuation{Basis: assist.PriceList, Source: "Price list 2025"}}}},
		{Nation: "FRA", Title: "155 mm rounds, restricted", Kind: "in_kind", Channel: "bilateral", Category: "in_kind", Announced: "2025-01-10", Promised: "2025-04-30",
			Marking: access.Marking{Classification: access.Restricted}, Lines: []assist.Line{{NSN: storetest.NSN155, Pledged: 50}}},
	} {
		p, err := svc.CreatePledge(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		l, q := p.Lines[0].ID, p.Lines[0].Pledged
		for _, a := range []assist.Action{{Kind: assist.Commit, Line: l, Quantity: q}, {Kind: assist.Allocate, Line: l, Quantity: q, Requirement: req.ID}} {
			if p, err = svc.Act(ctx, p.ID, 0, a); err != nil {
				t.Fatalf("%s: %v", a.Kind, err)
			}
		}
		storetest.Ship(t, db, p.ID, l, q, min(q, 30))
	}
	if _, err := (&accounts.Service{Store: store.Accounts{DB: db}}).AddContribution(ctx, accounts.Contribution{Nation: "NLD", Date: "2025-02-01", Category: "trust_fund", Currency: "EUR", Original: 2_000_000_00, Evidence: "CAP trust fund receipt"}); err != nil {
		t.Fatal(err)
	}
	return db
}

func reader(clearance access.Classification) *access.Identity {
	return &access.Identity{UserID: 5, Name: "analyst", Nation: "POL", Roles: []access.Role{access.Analyst}, Clearance: clearance, Via: "token"}
}

func TestReviewPDFAndWorkbook(t *testing.T) {
	if _, err := exec.LookPath("pdftotext"); err != nil {
		t.Skip("pdftotext (Debian: poppler-utils) is needed to read the PDF back")
	}
	db := seeded(t)
	now := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		clearance access.Classification
		marking   string
		counted   string
		bases     [][]string // the rows of the valuation bases, then the total
		// reliable are the rows of promise reliability by nation, then
		// the total; trend those of the quarters.
		reliable, trend [][]string
	}{
		{access.Restricted, "NATO RESTRICTED", "2210000", [][]string{{"price list", "1", "1", "350,000.00"}, {"not stated", "1", "1", "175,000.00"}, {"Total", "", "2", "525,000.00"}},
			[][]string{{"France (FRA)", "1", "0.0%", "60.0%", "—", "—", "0", "0", "1", "0"}, {"Germany (DEU)", "1", "0.0%", "0.0%", "—", "—", "0", "0", "0", "1"}, {"All nations", "2", "0.0%", "20.0%", "—", "—", "0", "0", "1", "1"}},
			[][]string{{"2025-Q1", "1", "0.0%", "0.0%", "—", "—", "1", "0"}, {"2025-Q2", "1", "0.0%", "60.0%", "—", "—", "1", "0"}}},
		{access.Unclassified, "NATO UNCLASSIFIED", "2105000", [][]string{{"price list", "1", "1", "350,000.00"}, {"Total", "", "1", "350,000.00"}},
			[][]string{{"Germany (DEU)", "1", "0.0%", "0.0%", "—", "—", "0", "0", "0", "1"}, {"All nations", "1", "0.0%", "0.0%", "—", "—", "0", "0", "0", "1"}},
			[][]string{{"2025-Q1", "1", "0.0%", "0.0%", "—", "—", "1", "0"}}},
	} {
		ctx := access.WithIdentity(storetest.Ctx(), *reader(c.clearance))
		rv, err := report.Build(ctx, db, 2025, now)
		if err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		var pdf bytes.Buffer
		if err := rv.PDF(&pdf); err != nil {
			t.Fatal(err)
		}
		file := filepath.Join(dir, "review.pdf")
		if err := os.WriteFile(file, pdf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		info, err := exec.Command("pdfinfo", file).CombinedOutput()
		if err != nil {
			t.Fatalf("pdfinfo: %v %s", err, info)
		}
		if !strings.Contains(string(info), "Pages:") || strings.Contains(string(info), "Pages:           1\n") {
			t.Errorf("the PDF should run to several pages:\n%s", info)
		}
		text, err := exec.Command("pdftotext", "-layout", file, "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		counted, _ := money.ParseEUR(c.counted)
		for _, want := range []string{"Summit review 2025", c.marking, "Fair shares against contributions", "United States (USA)", "40,000,000,000.00",
			"Bilateral security agreements", "Pledged value by valuation basis",
			"Promise reliability by nation, as of 2025-09-01", "Promise reliability of all nations by the quarter", c.reliable[0][0], "United Kingdom", "23 Allies at or above 2%", "Poland (POL)", "4.12%", strings.TrimPrefix(counted.Human(false), "€ ")} {
			if !strings.Contains(string(text), want) {
				t.Errorf("%s: the PDF lacks %q", c.marking, want)
			}
		}
		var xl bytes.Buffer
		if err := rv.XLSX(&xl); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&xl)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(f.GetSheetList(), ","); got != "Summary,Fair shares,Reliability,Reliability by quarter,Valuation bases,Open requirements,Agreements,Spending" {
			t.Errorf("sheets: %s", got)
		}
		rows, err := f.GetRows("Fair shares")
		if err != nil {
			t.Fatal(err)
		}
		if rows[0][0] != c.marking {
			t.Errorf("the sheet's marking: %q", rows[0][0])
		}
		total := rows[len(rows)-1]
		// Amounts show with thousands separators and their cents, stored
		// as the exact decimal; shares as percentages of a fraction.
		if total[0] != "Total" || total[1] != "40,000,000,000.00" || strings.ReplaceAll(total[2], ",", "") != c.counted+".00" {
			t.Errorf("%s: the total row %v, want fair shares of 40,000,000,000.00 and %s counted", c.marking, total, c.counted)
		}
		last := len(rows)
		if raw, _ := f.GetCellValue("Fair shares", fmt.Sprintf("B%d", last), excelize.Options{RawCellValue: true}); raw != "40000000000.00" {
			t.Errorf("the fair shares' total is stored as %q, want the exact decimal", raw)
		}
		met, _ := f.GetCellValue("Fair shares", "D6")
		rawMet, _ := f.GetCellValue("Fair shares", "D6", excelize.Options{RawCellValue: true})
		if !strings.HasSuffix(met, "%") || !regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`).MatchString(rawMet) {
			t.Errorf("a share met shows as %q and is stored as %q: want a percentage of a fraction", met, rawMet)
		}
		if panes, err := f.GetPanes("Fair shares"); err != nil || !panes.Freeze {
			t.Errorf("the header row of the fair shares is not frozen: %+v %v", panes, err)
		}
		// The pledged value by basis counts what the reader may see only.
		bases, _ := f.GetRows("Valuation bases")
		if len(bases) != 4+len(c.bases) { // the marking, title, note and header first
			t.Errorf("%s: the valuation bases %v, want %v", c.marking, bases, c.bases)
		} else {
			for i, want := range c.bases {
				if got := bases[4+i]; strings.Join(got, "|") != strings.Join(want, "|") {
					t.Errorf("%s: valuation bases row %d is %v, want %v", c.marking, i, got, want)
				}
			}
		}
		// Promise reliability counts what the reader may see only: the
		// restricted French line is in the figures of a reader cleared
		// for it, and in no figure of one who is not.
		for sheet, want := range map[string][][]string{"Reliability": c.reliable, "Reliability by quarter": c.trend} {
			rows, _ := f.GetRows(sheet)
			head := 3 // the marking, title and header
			if sheet == "Reliability" {
				head = 4 // and the note
			}
			if len(rows) != head+len(want) {
				t.Errorf("%s: %s has rows %v, want %v", c.marking, sheet, rows, want)
				continue
			}
			for i, w := range want {
				if got := rows[head+i]; strings.Join(got, "|") != strings.Join(w, "|") {
					t.Errorf("%s: %s row %d is %v, want %v", c.marking, sheet, i, got, w)
				}
			}
		}
		if ags, _ := f.GetRows("Agreements"); len(ags) != 3+23 {
			t.Errorf("the agreements sheet has %d rows, want the marking, title, header and 23 agreements", len(ags))
		}
		f.Close()
	}
}

func TestIATIExport(t *testing.T) {
	db := seeded(t)
	var buf bytes.Buffer
	n, err := report.IATI(storetest.Ctx(), db, &buf, 2025, time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version    string `xml:"version,attr"`
		Activities []struct {
			ID           string `xml:"iati-identifier"`
			Title        string `xml:"title>narrative"`
			Transactions []struct {
				Type struct {
					Code string `xml:"code,attr"`
				} `xml:"transaction-type"`
				Date struct {
					ISO string `xml:"iso-date,attr"`
				} `xml:"transaction-date"`
				Value string `xml:"value"`
			} `xml:"transaction"`
		} `xml:"iati-activity"`
	}
	if err := xml.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	// Only the unclassified German pledge is public.
	if n != 1 || len(doc.Activities) != 1 || doc.Version != "2.03" || doc.Activities[0].Title != "155 mm rounds, spring" {
		t.Fatalf("activities: %d %+v", n, doc)
	}
	tx := doc.Activities[0].Transactions
	if len(tx) != 2 || tx[0].Type.Code != "2" || tx[0].Value != "350000.00" || tx[1].Type.Code != "3" || tx[1].Value != "105000.00" || tx[1].Date.ISO != "2025-03-01" {
		t.Errorf("transactions: %+v", tx)
	}
}

func TestLessonsDigest(t *testing.T) {
	db := storetest.Open(t, storetest.SQLiteDSN(t), time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC))
	storetest.Seed(t, db)
	analyst := access.WithIdentity(storetest.Ctx(), *reader(access.Restricted))
	for _, l := range []lessons.Lesson{
		{Title: "Track pins shear in mud", Observed: "After long marches.", When: "2025-02-01", Capability: "armour"},
		{Title: "Jammer settings", Observed: "Restricted settings.", When: "2025-02-02", Capability: "drones", Marking: access.Marking{Classification: access.Restricted}},
		{Title: "Old lesson", Observed: "Out of the period.", When: "2024-02-02", Capability: "armour"},
	} {
		if _, err := (&lessons.Service{Store: store.Lessons{DB: db}}).Submit(analyst, l); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range []struct {
		clearance access.Classification
		n         int
		marking   access.Classification
	}{{access.Restricted, 2, access.Restricted}, {access.Unclassified, 1, access.Unclassified}} {
		ctx := access.WithIdentity(storetest.Ctx(), *reader(c.clearance))
		d, err := report.BuildDigest(ctx, db, "2025-01-01", "2025-12-31", "", time.Now())
		if err != nil || len(d.Lessons) != c.n || d.Marking != c.marking {
			t.Fatalf("digest for %s: %d lessons marked %s, %v", c.clearance, len(d.Lessons), d.Marking, err)
		}
		var xl bytes.Buffer
		if err := d.XLSX(&xl); err != nil {
			t.Fatal(err)
		}
		f, err := excelize.OpenReader(&xl)
		if err != nil {
			t.Fatal(err)
		}
		rows, _ := f.GetRows("Lessons")
		if rows[0][0] != c.marking.String() || len(rows) != 3+c.n {
			t.Errorf("the workbook: %v", rows)
		}
		f.Close()
		var pdf bytes.Buffer
		if err := d.PDF(&pdf); err != nil || !bytes.HasPrefix(pdf.Bytes(), []byte("%PDF")) {
			t.Errorf("the PDF: %v", err)
		}
	}
}
