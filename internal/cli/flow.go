package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/flow"
)

const flowUsage = `Usage:
  longhaul flow solve [--flows] [--stats] [--method auto|simplex|scaling] FILE   (FILE - for standard input)
Reads a minimum-cost flow problem in the DIMACS format (p min, n and a lines)
and prints the optimal cost as "s COST", with "f FROM TO FLOW" lines for
--flows and "c" comment lines with timings for --stats. An infeasible,
unbounded or malformed problem is named on standard error and exits 1.
--method chooses the algorithm: the network simplex, cost scaling (for
networks without negative costs), or by the network's shape (the default).`

func runFlow(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, flowUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	if sub != "solve" {
		fmt.Fprintln(stdio.Err, flowUsage)
		return ErrUsage
	}
	fs := flags("flow solve", strings.SplitN(flowUsage, "\n", 2)[1], stdio)
	flows := fs.Bool("flows", false, "print the flow on every arc that carries one")
	stats := fs.Bool("stats", false, "print timings and the method as DIMACS comment lines")
	method := fs.String("method", "auto", "auto, simplex or scaling")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return ErrUsage
	}
	m, ok := map[string]flow.Method{"auto": flow.Auto, "simplex": flow.NetworkSimplex, "scaling": flow.CostScaling}[*method]
	if !ok {
		fmt.Fprintf(stdio.Err, "longhaul flow solve: --method %q: use auto, simplex or scaling\n", *method)
		return ErrUsage
	}
	in := stdio.In
	if pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return err
		}
		defer f.Close()
		in = bufio.NewReaderSize(f, 1<<20)
	}
	t0 := time.Now()
	nw, err := flow.ReadDIMACS(in)
	if err != nil {
		return exitError{code: 1, err: fmt.Errorf("%s: %w", pos[0], err)}
	}
	t1 := time.Now()
	sol, err := flow.SolveBy(nw, m)
	if err != nil {
		return exitError{code: 1, err: fmt.Errorf("%s: %w", pos[0], err)}
	}
	t2 := time.Now()
	out := bufio.NewWriter(stdio.Out)
	if *stats {
		fmt.Fprintf(out, "c nodes %d arcs %d\n", len(nw.Supply), len(nw.Arcs))
		fmt.Fprintf(out, "c parse-ms %.3f\n", float64(t1.Sub(t0).Microseconds())/1000)
		fmt.Fprintf(out, "c solve-ms %.3f\n", float64(t2.Sub(t1).Microseconds())/1000)
		fmt.Fprintf(out, "c method %s\n", sol.Method)
		fmt.Fprintf(out, "c steps %d\n", sol.Steps)
	}
	if err := flow.WriteSolution(out, nw, sol, *flows); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	switch sol.Status {
	case flow.Infeasible:
		return exitError{code: 1, err: fmt.Errorf("%s is infeasible: no flow meets the supplies within the arcs' bounds", pos[0])}
	case flow.Unbounded:
		return exitError{code: 1, err: fmt.Errorf("%s is unbounded: a cycle of negative cost has no capacity limit", pos[0])}
	}
	return nil
}
