package store_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// pagedList is one list of the store, reduced to the keys of a page.
type pagedList struct {
	name  string
	sorts []string
	page  func(ctx context.Context, o list.Options) (keys []string, next string, total int64, err error)
}

func keysOf[T any](p list.Page[T], err error, key func(T) string) ([]string, string, int64, error) {
	out := make([]string, len(p.Items))
	for i, x := range p.Items {
		out[i] = key(x)
	}
	return out, p.Next, p.Total, err
}

// pagedLists is every list of db that takes a cursor, with its sort orders.
func pagedLists(db *store.DB, today string) []pagedList {
	id := func(n int64) string { return fmt.Sprint(n) }
	return []pagedList{
		{"items", []string{"nsn", "name", "capability", "unit_value", "group"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Items(ctx, catalog.ItemFilter{}, o)
			return keysOf(p, err, func(x catalog.Item) string { return x.NSN })
		}},
		{"nations", []string{"code", "name", "member_since", "role"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Nations(ctx, catalog.NationFilter{}, o)
			return keysOf(p, err, func(x catalog.Nation) string { return x.Code })
		}},
		{"sites", []string{"code", "name", "nation"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Sites(ctx, catalog.SiteFilter{}, o)
			return keysOf(p, err, func(x catalog.Site) string { return x.Code })
		}},
		{"requirements", []string{"id", "priority", "need_by", "quantity", "state", "updated_at"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Requirements(ctx, assist.RequirementFilter{}, o)
			return keysOf(p, err, func(x assist.Requirement) string { return id(x.ID) })
		}},
		{"pledges", []string{"id", "nation", "announced", "promised", "title", "value", "delivered", "updated_at"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Pledges(ctx, assist.PledgeFilter{}, o, today)
			return keysOf(p, err, func(x assist.PledgeSummary) string { return id(x.ID) })
		}},
		{"shipments", []string{"id", "eta", "planned_departure", "state", "mass", "value", "updated_at"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Shipments(ctx, logistics.ShipmentFilter{}, o)
			return keysOf(p, err, func(x logistics.Shipment) string { return id(x.ID) })
		}},
		{"discrepancies", []string{"id", "quantity", "created_at"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Discrepancies(ctx, logistics.DiscrepancyFilter{}, o)
			return keysOf(p, err, func(x logistics.Discrepancy) string { return id(x.ID) })
		}},
		{"contributions", []string{"id", "date", "nation", "amount", "category"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Contributions(ctx, accounts.ContributionFilter{}, o)
			return keysOf(p, err, func(x accounts.Contribution) string { return id(x.ID) })
		}},
		{"equipment", []string{"id", "serial", "received", "state", "nsn", "donor"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.EquipmentList(ctx, repair.EquipmentFilter{}, o)
			return keysOf(p, err, func(x repair.Equipment) string { return id(x.ID) })
		}},
		{"orders", []string{"id", "priority", "state", "reported", "due"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Orders(ctx, repair.OrderFilter{}, o)
			return keysOf(p, err, func(x repair.Order) string { return id(x.ID) })
		}},
		{"lessons", []string{"id", "observed", "state", "capability"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.SearchLessons(ctx, lessons.Filter{}, o)
			return keysOf(p, err, func(x lessons.Lesson) string { return id(x.ID) })
		}},
		{"plans", []string{"id", "made_at", "state", "served", "unmet"}, func(ctx context.Context, o list.Options) ([]string, string, int64, error) {
			p, err := db.Plans(ctx, assist.PlanFilter{}, o)
			return keysOf(p, err, func(x assist.Proposal) string { return id(x.ID) })
		}},
	}
}

// demoDB opens a database of engine dsn holding the demo scenario.
func demoDB(tb testing.TB, dsn string) *store.DB {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	db := storetest.Open(tb, dsn, now)
	storetest.Demo(tb, db, now)
	return db
}

// FuzzListPaging holds every paged list of the store, on every engine the
// tests have, to the promise of a cursor: for any sort order, page size and
// cursor the caller sends, a list answers a page or a problem on the field
// cursor, sort or limit (never an internal error, which a cursor holding an
// array, a value of the wrong type or a broken encoding once was); and
// walking a sort order page by page with the cursors the store gives out
// visits every record exactly once, in the order of one large page. The
// data is the demo scenario; the seeds are cursors the store gave out and
// tampered forms of them.
//
//	go test ./internal/store -run '^$' -fuzz '^FuzzListPaging$' -fuzztime 10m -parallel 1
func FuzzListPaging(f *testing.F) {
	type engine struct {
		name  string
		lists []pagedList
	}
	var engines []engine
	for name, dsn := range storetest.Engines(f) {
		engines = append(engines, engine{name, pagedLists(demoDB(f, dsn(f)), "2026-11-23")})
	}
	slices.SortFunc(engines, func(a, b engine) int { return map[bool]int{true: -1, false: 1}[a.name < b.name] })
	ctx := storetest.Ctx()
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	for i, l := range engines[0].lists {
		_, next, _, err := l.page(ctx, list.Options{Limit: 1})
		if err != nil {
			f.Fatalf("%s: %v", l.name, err)
		}
		f.Add(uint8(i), uint8(0), false, int16(1), next)
	}
	for _, c := range []string{"", "!!", enc(`[]`), enc(`{"s":"-id","v":[1,2],"k":3}`), enc(`{"s":"-id","v":"abc","k":"x"}`),
		enc(`{"s":"-id","v":1e400,"k":1}`), enc(`{"s":"-id","v":99999999999999999999,"k":1}`), enc(`{"s":"-id","v":true,"k":null}`),
		enc(`{"s":"nsn","v":"1320-12-000-0001","k":"\u0000"}`), enc(`{"s":"-date","v":"2026-13-45","k":-1}`), enc(`{"s":"id","v":1.5,"k":{}}`)} {
		for _, i := range []uint8{0, 3, 4, 7} {
			f.Add(i, uint8(0), true, int16(0), c)
		}
	}
	f.Add(uint8(0), uint8(0), false, int16(1001), "")
	f.Add(uint8(0), uint8(0), false, int16(-1), "")
	f.Fuzz(func(t *testing.T, which, sort uint8, desc bool, limit int16, cursor string) {
		for _, e := range engines {
			l := e.lists[int(which)%len(e.lists)]
			s := l.sorts[int(sort)%len(l.sorts)]
			if desc {
				s = "-" + s
			}
			o := list.Options{Sort: s, Limit: int(limit), Cursor: cursor}
			keys, _, _, err := l.page(ctx, o)
			if err != nil {
				p := fault.As(err)
				if p == nil || p.Code != fault.Invalid || (p.Field != "cursor" && p.Field != "limit") {
					t.Fatalf("%s %s %+v: %v", e.name, l.name, o, err)
				}
				if (p.Field == "limit") != (limit < 0 || limit > list.MaxLimit) {
					t.Fatalf("%s %s limit %d: %v", e.name, l.name, limit, err)
				}
				continue
			}
			if len(keys) > max(int(limit), 0) && !(limit == 0 && len(keys) <= 50) {
				t.Fatalf("%s %s limit %d gave %d records", e.name, l.name, limit, len(keys))
			}
			if cursor != "" || limit < 1 || limit > 7 {
				continue
			}
			// Walk the sort order at this page size from the start.
			want, _, total, err := l.page(ctx, list.Options{Sort: s, Limit: list.MaxLimit})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			next := ""
			for n := 0; ; n++ {
				page, nx, tot, err := l.page(ctx, list.Options{Sort: s, Limit: int(limit), Cursor: next})
				if err != nil {
					t.Fatalf("%s %s sort %s page %d: %v", e.name, l.name, s, n, err)
				}
				if tot != total {
					t.Fatalf("%s %s sort %s page %d: total %d, the whole list %d", e.name, l.name, s, n, tot, total)
				}
				got = append(got, page...)
				if nx == "" || n > len(want) {
					break
				}
				next = nx
			}
			if !slices.Equal(got, want) {
				t.Fatalf("%s %s sorted %s in pages of %d visits\n%v\nnot, as one page does,\n%v", e.name, l.name, s, limit, got, want)
			}
		}
	})
}
