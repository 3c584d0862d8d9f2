package repair_test

import (
	"testing"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/repair"
)

// TestSaveFacilityKeepsTheOrdersInRepair: a facility's slots do not fall
// below the orders it holds in repair, or it would hold more than its
// slots, which longhaul check reports as a broken ledger.
func TestSaveFacilityKeepsTheOrdersInRepair(t *testing.T) {
	for _, c := range []struct {
		name  string
		slots int
		want  string
	}{
		{"as many slots as orders in repair", 2, ""},
		{"fewer slots than orders in repair", 1, fault.Conflict},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := newMemory()
			f := m.facilities[gli]
			f.Slots = 3
			m.facilities[gli] = f
			m.piece(repair.InRepair, repair.Repairs, repair.Facility, gli)
			m.piece(repair.AwaitingParts, repair.Parts, repair.Facility, gli)
			before := m.clone()
			svc := repair.Service{Store: store{m}}
			_, err := svc.SaveFacility(as(coordinator), repair.RepairFacility{Site: gli, Slots: c.slots, Competences: []repair.Competence{{Target: stinger, Days: 14}}}, 1)
			wantCode(t, err, c.want, map[string]string{fault.Conflict: "2 orders in repair"}[c.want])
			if c.want != "" {
				unchanged(t, before, m)
				if m.facilities[gli].Slots != 3 {
					t.Errorf("a refused change set %d slots", m.facilities[gli].Slots)
				}
			}
		})
	}
}
