package flow

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// MaxDIMACSNodes bounds the nodes a DIMACS file may declare, so that a
// malformed header cannot make the reader allocate without limit.
const MaxDIMACSNodes = 50_000_000

// ReadDIMACS reads a minimum-cost flow problem in the DIMACS format: comment
// lines ("c …"), one problem line "p min NODES ARCS", node lines
// "n ID SUPPLY" and arc lines "a FROM TO LOW CAP COST", nodes numbered from
// 1. An error names the line and what is wrong with it.
func ReadDIMACS(r io.Reader) (*Network, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var nw *Network
	arcs := 0
	line := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
	}
	for sc.Scan() {
		line++
		text := sc.Text()
		f := strings.Fields(text)
		if len(f) == 0 || strings.HasPrefix(f[0], "c") {
			continue
		}
		switch f[0] {
		case "p":
			if nw != nil {
				return nil, bad("a second problem line")
			}
			if len(f) != 4 || f[1] != "min" {
				return nil, bad("the problem line must read \"p min NODES ARCS\"")
			}
			n, err1 := strconv.ParseInt(f[2], 10, 64)
			m, err2 := strconv.ParseInt(f[3], 10, 64)
			if err1 != nil || err2 != nil || n < 0 || m < 0 {
				return nil, bad("NODES and ARCS must be whole numbers ≥ 0")
			}
			if n > MaxDIMACSNodes || m > 20*MaxDIMACSNodes {
				return nil, bad("%d nodes and %d arcs is more than this reader takes (%d nodes)", n, m, MaxDIMACSNodes)
			}
			nw = &Network{Supply: make([]int64, n), Arcs: make([]Arc, 0, min(m, 1<<24))}
			arcs = int(m)
		case "n":
			if nw == nil {
				return nil, bad("a node line before the problem line")
			}
			if len(f) != 3 {
				return nil, bad("a node line reads \"n ID SUPPLY\"")
			}
			id, err1 := strconv.ParseInt(f[1], 10, 64)
			s, err2 := strconv.ParseInt(f[2], 10, 64)
			if err1 != nil || err2 != nil {
				return nil, bad("ID and SUPPLY must be whole numbers")
			}
			if id < 1 || id > int64(len(nw.Supply)) {
				return nil, bad("node %d is not between 1 and %d", id, len(nw.Supply))
			}
			nw.Supply[id-1] = s
		case "a":
			if nw == nil {
				return nil, bad("an arc line before the problem line")
			}
			if len(f) != 6 {
				return nil, bad("an arc line reads \"a FROM TO LOW CAP COST\"")
			}
			var v [5]int64
			for i := range v {
				x, err := strconv.ParseInt(f[i+1], 10, 64)
				if err != nil {
					return nil, bad("%q is not a whole number", f[i+1])
				}
				v[i] = x
			}
			n := int64(len(nw.Supply))
			if v[0] < 1 || v[0] > n || v[1] < 1 || v[1] > n {
				return nil, bad("arc %d→%d: nodes run from 1 to %d", v[0], v[1], n)
			}
			if v[2] > v[3] {
				return nil, bad("arc %d→%d: lower bound %d above capacity %d", v[0], v[1], v[2], v[3])
			}
			if len(nw.Arcs) == arcs {
				return nil, bad("more arcs than the %d the problem line declares", arcs)
			}
			nw.Arcs = append(nw.Arcs, Arc{From: int(v[0] - 1), To: int(v[1] - 1), Lower: v[2], Cap: v[3], Cost: v[4]})
		default:
			return nil, bad("%q starts no DIMACS line: use c, p, n or a", f[0])
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("line %d: %w", line+1, err)
	}
	if nw == nil {
		return nil, fmt.Errorf("no problem line \"p min NODES ARCS\"")
	}
	if len(nw.Arcs) != arcs {
		return nil, fmt.Errorf("the problem line declares %d arcs, the file has %d", arcs, len(nw.Arcs))
	}
	return nw, nil
}

// WriteDIMACS writes nw in the DIMACS minimum-cost flow format. An arc
// without a capacity limit is written with the largest int64.
func WriteDIMACS(w io.Writer, nw *Network) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "p min %d %d\n", len(nw.Supply), len(nw.Arcs))
	for v, s := range nw.Supply {
		if s != 0 {
			fmt.Fprintf(bw, "n %d %d\n", v+1, s)
		}
	}
	var buf []byte
	for _, a := range nw.Arcs {
		buf = append(buf[:0], 'a', ' ')
		buf = strconv.AppendInt(buf, int64(a.From+1), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, int64(a.To+1), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, a.Lower, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, a.Cap, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, a.Cost, 10)
		buf = append(buf, '\n')
		bw.Write(buf)
	}
	return bw.Flush()
}

// WriteSolution writes a solution in the DIMACS solution format: "s COST"
// for an optimal one, with "f FROM TO FLOW" lines for the arcs that carry
// flow when flows is set; a comment naming the outcome otherwise.
func WriteSolution(w io.Writer, nw *Network, sol Solution, flows bool) error {
	bw := bufio.NewWriter(w)
	switch sol.Status {
	case Optimal:
		fmt.Fprintf(bw, "s %d\n", sol.Cost)
		if flows {
			for i, a := range nw.Arcs {
				if sol.Flow[i] != 0 {
					fmt.Fprintf(bw, "f %d %d %d\n", a.From+1, a.To+1, sol.Flow[i])
				}
			}
		}
	default:
		fmt.Fprintf(bw, "c %s\n", strings.ToUpper(sol.Status.String()))
	}
	return bw.Flush()
}
