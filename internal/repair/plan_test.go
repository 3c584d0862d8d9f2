package repair_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/repair"
)

var start = time.Date(2026, 1, 5, 0, 0, 0, 0, time.UTC)

const leo = "2350-12-000-0012"

// hours: Kyiv is 30 h from Gliwice, 40 h from Jonava; Odesa has no road.
func hours(from, to string) (int64, bool) {
	if from == "UA-ODESA" {
		return 0, false
	}
	return map[string]int64{"PL-GLI": 30, "LT-JON": 40, "US-PT": 35}[to], true
}

func facilities(gliSlots int) []repair.RepairFacility {
	return []repair.RepairFacility{
		{Site: "PL-GLI", Slots: gliSlots, Competences: []repair.Competence{{Target: "LEOPARD-2", Days: 60}}},
		{Site: "LT-JON", Slots: 1, Competences: []repair.Competence{{Target: "LEOPARD-2", Days: 60}}},
		{Site: "US-PT", Slots: 4, Competences: []repair.Competence{{Target: "1025-01-000-0009", Days: 20}}},
	}
}

func order(id int64, prio int, nsn, group, loc string) repair.Waiting {
	return repair.Waiting{Order: id, NSN: nsn, Group: group, ItemName: "item " + nsn, Location: loc, Priority: prio, Reported: start.Add(-time.Duration(id) * time.Hour)}
}

func byOrder(p repair.Proposal) map[int64]repair.Assignment {
	m := map[int64]repair.Assignment{}
	for _, a := range p.Assignments {
		m[a.Order] = a
	}
	return m
}

func TestNearestFreeFacilityFirst(t *testing.T) {
	p, err := repair.Plan(repair.PlanInput{Orders: []repair.Waiting{order(1, 2, leo, "LEOPARD-2", "UA-KYIV")}, Facilities: facilities(2), Hours: hours, Start: start, Horizon: 90})
	if err != nil {
		t.Fatal(err)
	}
	a := byOrder(p)[1]
	if a.Facility != "PL-GLI" || a.Transport != 30 || a.Days != 60 || !a.Due.Equal(a.Start.AddDate(0, 0, 60)) || a.Queue != 0 {
		t.Errorf("assignment %+v", a)
	}
}

func TestUrgentFirstAndFullFacilitiesExplained(t *testing.T) {
	// Gliwice and Jonava each start one Leopard in 60 days (one slot, 60
	// days a repair): of three orders the two most urgent are placed.
	orders := []repair.Waiting{order(1, 4, leo, "LEOPARD-2", "UA-KYIV"), order(2, 1, leo, "LEOPARD-2", "UA-KYIV"), order(3, 2, leo, "LEOPARD-2", "UA-KYIV")}
	p, err := repair.Plan(repair.PlanInput{Orders: orders, Facilities: facilities(1), Hours: hours, Start: start, Horizon: 60})
	if err != nil {
		t.Fatal(err)
	}
	got := byOrder(p)
	if _, ok := got[2]; !ok {
		t.Error("the priority 1 order is not placed")
	}
	if _, ok := got[3]; !ok {
		t.Error("the priority 2 order is not placed")
	}
	if len(p.Unplaced) != 1 || p.Unplaced[0].Order != 1 || !strings.Contains(p.Unplaced[0].Reason, "is full until after 2026-03-06") || !strings.Contains(p.Unplaced[0].Reason, "PL-GLI, LT-JON") {
		t.Errorf("unplaced %+v", p.Unplaced)
	}
	if got[2].Facility != "PL-GLI" {
		t.Errorf("the most urgent goes to the nearest: %+v", got[2])
	}
}

func TestOpenOrdersTakeSlots(t *testing.T) {
	// Gliwice's one slot is busy for 50 more days: the order goes to Jonava.
	p, err := repair.Plan(repair.PlanInput{Orders: []repair.Waiting{order(1, 1, leo, "LEOPARD-2", "UA-KYIV")}, Facilities: facilities(1),
		Busy: map[string][]int{"PL-GLI": {50}}, Hours: hours, Start: start, Horizon: 90})
	if err != nil {
		t.Fatal(err)
	}
	if a := byOrder(p)[1]; a.Facility != "LT-JON" {
		t.Errorf("assignment %+v", a)
	}
	for _, l := range p.Load {
		if l.Site == "PL-GLI" && (l.Busy != 1 || l.Used != 50 || l.SlotDays != 90) {
			t.Errorf("Gliwice's load %+v", l)
		}
	}
}

func TestReasonsForOrdersNotPlaced(t *testing.T) {
	orders := []repair.Waiting{order(1, 1, "2320-12-000-0017", "", "UA-KYIV"), order(2, 1, leo, "LEOPARD-2", "UA-ODESA")}
	p, err := repair.Plan(repair.PlanInput{Orders: orders, Facilities: facilities(2), Hours: hours, Start: start, Horizon: 90})
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Unplaced) != 2 || !strings.Contains(p.Unplaced[0].Reason, "no facility is competent for item 2320-12-000-0017") ||
		!strings.Contains(p.Unplaced[1].Reason, "no route from UA-ODESA") {
		t.Errorf("unplaced %+v", p.Unplaced)
	}
}

func TestSharedSlotsAcrossSystems(t *testing.T) {
	// One slot for 28 days repairs either two 14-day M777s or one 28-day
	// Leopard-type job: five of each compete for 28 slot-days.
	f := []repair.RepairFacility{{Site: "PL-GLI", Slots: 1, Competences: []repair.Competence{{Target: "1025-01-000-0009", Days: 14}, {Target: "LEOPARD-2", Days: 28}}}}
	var orders []repair.Waiting
	for i := range int64(5) {
		orders = append(orders, order(i+1, 1, "1025-01-000-0009", "", "UA-KYIV"), order(i+10, 1, leo, "LEOPARD-2", "UA-KYIV"))
	}
	p, err := repair.Plan(repair.PlanInput{Orders: orders, Facilities: f, Hours: hours, Start: start, Horizon: 28})
	if err != nil {
		t.Fatal(err)
	}
	var used int
	for _, a := range p.Assignments {
		used += a.Days
	}
	if used > 28 || used == 0 {
		t.Errorf("the plan uses %d slot-days of 28: %+v (rounds %d)", used, p.Assignments, p.Rounds)
	}
}

// BenchmarkPlan20000 plans 20,000 waiting orders across 40 facilities over
// a 90-day horizon (target: under a second). Run with:
//
//	go test ./internal/repair -run XXX -bench Plan20000
func BenchmarkPlan20000(b *testing.B) {
	systems := []struct{ nsn, group string }{{leo, "LEOPARD-2"}, {"2350-12-000-0011", "LEOPARD-2"}, {"2350-12-000-0010", ""}, {"1025-01-000-0009", ""},
		{"1055-01-000-0013", ""}, {"2355-12-000-0020", ""}, {"2320-12-000-0017", ""}, {"1550-14-000-0015", ""}}
	targets := []string{"LEOPARD-2", "2350-12-000-0010", "1025-01-000-0009", "1055-01-000-0013", "2355-12-000-0020", "2320-12-000-0017", "1550-14-000-0015"}
	var fs []repair.RepairFacility
	for i := range 40 {
		f := repair.RepairFacility{Site: fmt.Sprintf("F-%02d", i), Slots: 20 + i%30}
		for k := range 3 {
			f.Competences = append(f.Competences, repair.Competence{Target: targets[(i+k*3)%len(targets)], Days: 14 + 7*((i+k)%8)})
		}
		fs = append(fs, f)
	}
	locs := make([]string, 25)
	for i := range locs {
		locs[i] = fmt.Sprintf("UA-%02d", i)
	}
	dist := func(from, to string) (int64, bool) {
		var a, b int
		fmt.Sscanf(from, "UA-%d", &a)
		fmt.Sscanf(to, "F-%d", &b)
		return int64(20 + (a*7+b*13)%60), true
	}
	var orders []repair.Waiting
	for i := range 20_000 {
		s := systems[i%len(systems)]
		orders = append(orders, repair.Waiting{Order: int64(i + 1), NSN: s.nsn, Group: s.group, Location: locs[(i/7)%len(locs)], Priority: 1 + i%4, Reported: start.Add(-time.Duration(i) * time.Minute)})
	}
	in := repair.PlanInput{Orders: orders, Facilities: fs, Hours: dist, Start: start, Horizon: 90}
	var p repair.Proposal
	for b.Loop() {
		var err error
		if p, err = repair.Plan(in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(len(p.Assignments)), "placed")
	b.ReportMetric(float64(len(p.Unplaced)), "unplaced")
	b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N), "ms/plan")
}
