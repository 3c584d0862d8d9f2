package flow_test

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/flow"
)

const small = `c a small instance: two sources, two sinks
p min 4 5
n 1 4
n 2 2
n 3 -3
n 4 -3
a 1 3 0 3 2
a 1 4 0 4 6
a 2 3 0 2 1
a 2 4 0 2 3
a 3 4 0 5 1
`

func TestDIMACS(t *testing.T) {
	nw, err := flow.ReadDIMACS(strings.NewReader(small))
	if err != nil {
		t.Fatal(err)
	}
	sol, err := flow.Solve(nw)
	if err != nil || sol.Status != flow.Optimal {
		t.Fatalf("%v %v", sol.Status, err)
	}
	// 1→3: 3 at 2, 1→4: 1 at 6, 2→3: 2 at 1, 3→4: 2 at 1 = 6+6+2+2 = 16;
	// or 2→4: 2 at 3 … the solver's answer is checked by slackness too.
	checkSolution(t, nw, sol)
	if sol.Cost != 16 {
		t.Errorf("cost %d, want 16", sol.Cost)
	}
	var out bytes.Buffer
	if err := flow.WriteSolution(&out, nw, sol, true); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "s 16\nf ") {
		t.Errorf("solution:\n%s", out.String())
	}
	var again bytes.Buffer
	if err := flow.WriteDIMACS(&again, nw); err != nil {
		t.Fatal(err)
	}
	nw2, err := flow.ReadDIMACS(&again)
	if err != nil || !reflect.DeepEqual(nw, nw2) {
		t.Errorf("a round trip changed the network: %v", err)
	}
	for name, text := range map[string]string{
		"no problem line":    "c nothing\n",
		"arc before problem": "a 1 2 0 1 1\np min 2 1\n",
		"not min":            "p max 2 1\n",
		"node out of range":  "p min 2 1\nn 3 1\na 1 2 0 1 1\n",
		"arc out of range":   "p min 2 1\na 1 5 0 1 1\n",
		"too few arcs":       "p min 2 2\na 1 2 0 1 1\n",
		"too many arcs":      "p min 2 1\na 1 2 0 1 1\na 2 1 0 1 1\n",
		"low above cap":      "p min 2 1\na 1 2 3 1 1\n",
		"not a number":       "p min 2 1\na 1 2 0 x 1\n",
		"unknown line":       "p min 2 0\nx 1 2\n",
		"two problem lines":  "p min 2 0\np min 2 0\n",
		"huge header":        "p min 99999999999 1\n",
		"short arc line":     "p min 2 1\na 1 2 0 1\n",
	} {
		if _, err := flow.ReadDIMACS(strings.NewReader(text)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.Contains(err.Error(), "line") && !strings.Contains(err.Error(), "declares") {
			t.Errorf("%s: %v does not say where", name, err)
		}
	}
}

func FuzzReadDIMACS(f *testing.F) {
	f.Add(small)
	f.Add("p min 1 1\na 1 1 0 9223372036854775807 -1\n")
	f.Add("p min 3 2\nn 1 5\nn 3 -5\na 1 2 0 5 -3\na 2 3 1 5 4\n")
	f.Fuzz(func(t *testing.T, text string) {
		nw, err := flow.ReadDIMACS(strings.NewReader(text))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := flow.WriteDIMACS(&buf, nw); err != nil {
			t.Fatal(err)
		}
		nw2, err := flow.ReadDIMACS(&buf)
		if err != nil {
			t.Fatalf("the writer's output does not read back: %v", err)
		}
		if !reflect.DeepEqual(nw, nw2) {
			t.Fatal("a round trip changed the network")
		}
		if len(nw.Supply) > 200 || len(nw.Arcs) > 400 {
			return
		}
		sol, err := flow.Solve(nw)
		if err != nil || sol.Status != flow.Optimal {
			return
		}
		if _, err := flow.Verify(nw, sol.Flow); err != nil {
			t.Fatalf("infeasible flow: %v", err)
		}
		if err := flow.Slack(nw, sol.Flow, sol.Potential); err != nil {
			t.Fatalf("not optimal: %v", err)
		}
	})
}
