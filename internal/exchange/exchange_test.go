package exchange_test

import (
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func importer(t testing.TB) (*exchange.Importer, *store.DB) {
	t.Helper()
	db := storetest.Open(t, storetest.SQLiteDSN(t), storetestNow())
	storetest.Seed(t, db)
	cat := &catalog.Service{Store: store.Catalog{DB: db}}
	return &exchange.Importer{Store: exchange.Over[*store.Tx](db), Catalog: cat, Assist: &assist.Service{Store: store.Assist{DB: db}}}, db
}

func problems(err error) string {
	e := fault.As(err)
	if e == nil {
		return ""
	}
	var out []string
	for _, p := range append([]*fault.Error{e}, e.Problems...) {
		out = append(out, p.Error())
	}
	return strings.Join(out, "\n")
}

func TestImportRefusesFilesItCannotRead(t *testing.T) {
	im, _ := importer(t)
	ctx := storetest.Ctx()
	for name, c := range map[string]struct{ kind, csv, want string }{
		"empty":                          {"items", "", "the file is empty"},
		"header only":                    {"items", "nsn,name\n", "no rows"},
		"unknown column":                 {"items", "nsn,nmae\n1005-12-000-0001,x\n", `column "nmae"`},
		"short row":                      {"requirements", "nsn,quantity,priority\n1320-12-345-6789,5\n", "line 2"},
		"unknown kind":                   {"tanks", "a\n1\n", "cannot be imported"},
		"unterminated quote":             {"items", "nsn,name\n1005-12-000-0001,x\n\"1005-12-000-0002,y\n", "line 3: not CSV"},
		"quote in the header":            {"items", "\"nsn,name\n", "line 1: not CSV"},
		"NUL in a cell":                  {"items", "nsn,name\n1005-12-000-0001,x\x00y\n", "line 2.name: holds a NUL"},
		"neither UTF-8 nor Windows-1252": {"items", "nsn,name\n1005-12-000-0001,x\n1005-12-000-0002,x\x81y\n", "line 3: the file is neither UTF-8 nor Windows-1252"},
		"an Excel 97-2003 workbook":      {"items", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00", "Excel 97-2003 workbook (.xls)"},
		"escape in a cell":               {"items", "nsn,name\n1005-12-000-0001,x\x1b[2Jy\n", "line 2.name: holds the control character U+001B"},
		"title of zero-widths": {"pledges", "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity\n" +
			"A,DEU,\u200b\u200b,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,1320-12-345-6789,10\n", "line 2.title: is required"},
		"pledge rows disagree": {"pledges", "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity\n" +
			"A,DEU,Package,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,1320-12-345-6789,10\n" +
			"A,FRA,Package,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,1410-01-234-5678,2\n", `line 3.nation: "FRA" differs`},
		"bad line of a good pledge": {"pledges", "pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity\n" +
			"A,DEU,Package,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,1320-12-345-6789,10\n" +
			"A,DEU,Package,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,1410-01-234-5678,-2\n", "line 3.quantity"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := im.Import(ctx, c.kind, strings.NewReader(c.csv), false)
			if err == nil || !strings.Contains(problems(err), c.want) {
				t.Errorf("got %q, want it to mention %q", problems(err), c.want)
			}
		})
	}
}

func TestPledgeRowsWithOneRefMakeOnePledge(t *testing.T) {
	im, db := importer(t)
	ctx := storetest.Ctx()
	csv := "# NATO UNCLASSIFIED\npledge_ref,nation,title,kind,channel,category,announced,promised,amount_eur,nsn,quantity,unit_value_eur\n" +
		"A,DEU,Package,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,,1320-12-345-6789,10,\n" +
		"A,DEU,Package,in_kind,bilateral,in_kind,2025-01-01,2025-06-30,,1410-01-234-5678,2,450000.00\n" +
		"B,DNK,Fund,funds,trust_fund,trust_fund,2025-01-01,2025-12-31,1000000.00,,,\n"
	res, err := im.Import(ctx, "pledges", strings.NewReader(csv), false)
	if err != nil || res.Created != 2 || res.Rows != 3 {
		t.Fatalf("import: %+v %v", res, problems(err))
	}
	ps, _ := db.AllPledges(ctx, assist.PledgeFilter{}, "2025-03-01")
	if len(ps) != 2 || len(ps[0].Lines) != 2 || ps[0].Lines[0].UnitValue != 350000 || ps[0].Lines[1].UnitValue != 45000000 || ps[1].Amount != 100000000 {
		t.Errorf("pledges: %+v", ps)
	}
}

func storetestNow() time.Time { return time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC) }
