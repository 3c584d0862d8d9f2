package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/repair"
)

// RepairStore is what the demo's repair data are written through.
type RepairStore interface {
	SaveFacility(ctx context.Context, f repair.RepairFacility, version int64) (repair.RepairFacility, error)
	RegisterEquipment(ctx context.Context, e repair.Equipment) (repair.Equipment, error)
	ReportDamage(ctx context.Context, d repair.Damage) (repair.Order, *assist.Requirement, error)
	MoveOrder(ctx context.Context, id, version int64, to, note string) (repair.Order, error)
}

// RepairFacilities are the demo's repair facilities, after the repair hubs
// in the scenario's facts: what each repairs, its slots (illustrative) and
// typical turnaround (illustrative).
var RepairFacilities = []repair.RepairFacility{
	{Site: "PL-GLI", Slots: 6, Competences: []repair.Competence{{Target: "2350-12-000-0012", Days: 60}}},
	{Site: "LT-JON", Slots: 4, Competences: []repair.Competence{{Target: "2350-12-000-0011", Days: 75}, {Target: "2350-12-000-0010", Days: 45}}},
	{Site: "RO-SMR", Slots: 8, Competences: []repair.Competence{{Target: "LEOPARD-2", Days: 70}, {Target: "2350-12-000-0010", Days: 50}, {Target: "2355-12-000-0020", Days: 30}, {Target: "2320-12-000-0017", Days: 20}}},
	{Site: "PL-USRP", Slots: 10, Competences: []repair.Competence{{Target: "1025-01-000-0009", Days: 21}, {Target: "1055-01-000-0013", Days: 28}}},
}

// fleet is the demo's registered equipment: system, donor, how many, and
// where they serve.
var fleet = []struct {
	nsn, donor, prefix, site string
	n                        int
}{
	{"2350-12-000-0012", "POL", "L2A4-PL", "UA-DNIPRO", 8},
	{"2350-12-000-0011", "DEU", "L2A6-DE", "UA-DNIPRO", 6},
	{"2350-12-000-0010", "DEU", "PZH-DE", "UA-DNIPRO", 6},
	{"1025-01-000-0009", "USA", "M777-US", "UA-KYIV", 10},
	{"1055-01-000-0013", "USA", "HIMARS-US", "UA-KYIV", 4},
	{"2355-12-000-0020", "NLD", "APC-NL", "UA-LVIV", 6},
}

// damage is the demo's damage reports: which piece (system index, number),
// what, and how far its order has come.
var damage = []struct {
	sys, n   int
	fault    string
	severity string
	priority int
	moves    []string
}{
	{0, 1, "engine pack failure", repair.Facility, 2, nil},
	{0, 2, "track and road wheels, mine damage", repair.Facility, 1, nil},
	{1, 1, "fire control computer fault", repair.Facility, 1, nil},
	{2, 1, "barrel worn beyond tolerance", repair.Facility, 2, nil},
	{3, 1, "recoil system leak", repair.Facility, 1, nil},
	{3, 2, "sighting system damaged", repair.Facility, 3, nil},
	{4, 1, "launcher pod loader fault", repair.Facility, 1, nil},
	{5, 1, "suspension damage", repair.Theatre, 3, []string{repair.Repairs}},
	{5, 2, "hit by an FPV drone, burnt out", repair.Beyond, 2, nil},
}

// LoadRepair sets up the demo's repair facilities, registers its fleet and
// reports some damage, so that the repair plan has orders to place.
func LoadRepair(ctx context.Context, st RepairStore, now time.Time) error {
	for _, f := range RepairFacilities {
		if _, err := st.SaveFacility(ctx, f, 0); err != nil {
			return fmt.Errorf("demo repair facility %s: %w", f.Site, err)
		}
	}
	ids := make([][]int64, len(fleet))
	for i, f := range fleet {
		for k := 1; k <= f.n; k++ {
			e, err := st.RegisterEquipment(ctx, repair.Equipment{NSN: f.nsn, Serial: fmt.Sprintf("%s-%03d", f.prefix, k), Donor: f.donor,
				Received: now.AddDate(0, -6, -k).Format("2006-01-02"), Location: f.site, Hours: int64(200 + 37*k), Notes: "illustrative"})
			if err != nil {
				return fmt.Errorf("demo equipment %s: %w", f.prefix, err)
			}
			ids[i] = append(ids[i], e.ID)
		}
	}
	for _, d := range damage {
		o, _, err := st.ReportDamage(ctx, repair.Damage{Equipment: ids[d.sys][d.n-1], Fault: d.fault, Severity: d.severity, Priority: d.priority})
		if err != nil {
			return fmt.Errorf("demo damage %q: %w", d.fault, err)
		}
		for _, to := range d.moves {
			if _, err := st.MoveOrder(ctx, o.ID, 0, to, ""); err != nil {
				return fmt.Errorf("demo repair %s: %w", o.Ref(), err)
			}
		}
	}
	return nil
}
