package flow_test

import (
	"math/rand/v2"
	"testing"

	"github.com/longhaul/longhaul/internal/flow"
)

// TestWarmStart changes solved networks in small ways, one at a time, and
// checks every re-solve against a solve from scratch of the same network.
func TestWarmStart(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	warm := 0
	for i := 0; i < 400; i++ {
		n := 3 + r.IntN(10)
		nw := randomNetwork(r, n, 5+r.IntN(30), false)
		s := flow.NewSolver(nw)
		if _, err := s.Solve(); err != nil {
			t.Fatal(err)
		}
		for step := 0; step < 8; step++ {
			cur := s.Network()
			m := len(cur.Arcs)
			switch r.IntN(5) {
			case 0: // move supply from one node to another
				a, b := r.IntN(n), r.IntN(n)
				q := int64(1 + r.IntN(3))
				s.SetSupply(a, cur.Supply[a]+q)
				s.SetSupply(b, cur.Supply[b]-q)
			case 1:
				if m > 0 {
					a := r.IntN(m)
					s.SetCapacity(a, cur.Arcs[a].Lower+int64(r.IntN(6)))
				}
			case 2:
				if m > 0 {
					s.SetCost(r.IntN(m), int64(r.IntN(21)-5))
				}
			case 3:
				s.AddArc(flow.Arc{From: r.IntN(n), To: r.IntN(n), Cap: int64(r.IntN(6)), Cost: int64(r.IntN(21) - 5)})
			case 4:
				if m > 0 {
					s.CloseArc(r.IntN(m))
				}
			}
			got, err := s.Solve()
			if err != nil {
				t.Fatal(err)
			}
			want, err := flow.Solve(s.Network())
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != want.Status || got.Status == flow.Optimal && got.Cost != want.Cost {
				t.Fatalf("instance %d step %d: re-solve %s %d, from scratch %s %d", i, step, got.Status, got.Cost, want.Status, want.Cost)
			}
			if got.Status == flow.Optimal {
				checkSolution(t, s.Network(), got)
				if got.Method == "warm start" {
					warm++
				}
			}
		}
	}
	if warm < 800 {
		t.Errorf("only %d re-solves started from the last solution", warm)
	}
}
