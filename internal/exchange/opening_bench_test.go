package exchange_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// openingFiles are an opening balance of n requirements, n pledges of one
// line each and five steps of progress per pledge (committed, allocated,
// shipped, delivered, accepted).
func openingFiles(n int) (reqs, pledges, progress string) {
	var r, p, g strings.Builder
	r.WriteString("ref,nsn,group,quantity,priority,need_by,delivery_site,notes,classification,releasable_to\n")
	p.WriteString("pledge_ref,nation,title,kind,channel,category,announced,promised,nsn,quantity,unit_value_eur\n")
	g.WriteString("pledge_ref,line,step,requirement_ref,quantity,amount_eur,date,evidence\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&r, "R-%05d,%s,,100,1,2025-12-31,%s,,NATO UNCLASSIFIED,\n", i, storetest.NSN155, storetest.SiteKyiv)
		fmt.Fprintf(&p, "P-%05d,DEU,Rounds %d,in_kind,bilateral,in_kind,2024-06-01,2025-06-30,%s,100,3500.00\n", i, i, storetest.NSN155)
		fmt.Fprintf(&g, "P-%05d,1,committed,,100,,,\nP-%05d,1,allocated,R-%05d,60,,,\nP-%05d,1,shipped,R-%05d,50,,,\nP-%05d,1,delivered,R-%05d,40,,2025-01-15,\nP-%05d,1,accepted,R-%05d,30,,,\n",
			i, i, i, i, i, i, i, i, i)
	}
	return r.String(), p.String(), g.String()
}

// BenchmarkOpeningBalance times an opening balance of 1,000 pledges into
// an empty ledger, file by file, with the time per row reported beside it:
// the requirements and pledges go through the same use cases as an
// ordinary import; each step of progress through its own rule.
//
//	go test ./internal/exchange -run '^$' -bench BenchmarkOpeningBalance -benchtime 3x
func BenchmarkOpeningBalance(b *testing.B) {
	const n = 1000
	reqs, pledges, progress := openingFiles(n)
	for _, k := range []struct {
		kind string
		rows int
	}{{"requirements", n}, {"pledges", n}, {"progress", 5 * n}} {
		b.Run(k.kind, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				im, _ := importer(b)
				ctx := storetest.Ctx()
				files := map[string]string{"requirements": reqs, "pledges": pledges, "progress": progress}
				for _, before := range []string{"requirements", "pledges", "progress"} {
					if before == k.kind {
						break
					}
					if _, err := im.ImportWith(ctx, before, strings.NewReader(files[before]), exchange.Options{Opening: true}); err != nil {
						b.Fatal(problems(err))
					}
				}
				b.StartTimer()
				res, err := im.ImportWith(ctx, k.kind, strings.NewReader(files[k.kind]), exchange.Options{Opening: true})
				if err != nil || res.Created == 0 {
					b.Fatal(problems(err))
				}
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N*k.rows), "µs/row")
		})
	}
}
