package plan

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/logistics"
)

// Fingerprint is a digest of what a proposal was made from: the stock, the
// needs and the network. A proposal is approved only while its inputs are
// unchanged.
func Fingerprint(in Input) string {
	var b strings.Builder
	fmt.Fprintf(&b, "h%d\n", in.Horizon)
	for _, s := range in.Stock {
		fmt.Fprintf(&b, "s%d/%d/%d/%s\n", s.Pledge, s.Line, s.Quantity, s.Depot)
	}
	for _, n := range in.Needs {
		fmt.Fprintf(&b, "n%d/%d/%d/%s/%s\n", n.Requirement, n.Quantity, n.Priority, n.NeedBy, n.Site)
	}
	for _, l := range in.Network.Links {
		fmt.Fprintf(&b, "l%d/%d\n", l.ID, l.Version)
	}
	sites := make([]string, 0, len(in.Network.Hubs))
	for site := range in.Network.Hubs {
		sites = append(sites, site)
	}
	sort.Strings(sites)
	for _, site := range sites {
		fmt.Fprintf(&b, "h%s/%d\n", site, in.Network.Hubs[site].Version)
	}
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:12])
}

// AllocateIn writes proposal p, less the excluded lines, in the caller's
// transaction: each line becomes an allocation of its pledge line to its
// requirement, and the lines that leave the same depot for the same
// delivery point by the same route become one planned shipment. It is the
// writing half of Service.Approve, which reads in inside that transaction
// and checks its fingerprint first; whatever the ledger refuses (stock
// allocated since, a requirement gone) fails the whole transaction.
func AllocateIn(ctx context.Context, tx logistics.Tx, in Input, p Plan, exclude []Key) (Approved, error) {
	var out Approved
	for _, l := range p.Lines {
		if l.Stock < 0 || l.Stock >= len(in.Stock) || l.Need < 0 || l.Need >= len(in.Needs) {
			return out, fmt.Errorf("a proposal line refers to stock %d or need %d outside its inputs", l.Stock, l.Need)
		}
	}
	skip := map[Key]bool{}
	for _, k := range exclude {
		skip[k] = true
	}
	type group struct {
		nation, origin, dest string
		via                  []string
		lines                []logistics.NewLine
	}
	groups := map[string]*group{}
	var order []string
	for _, l := range p.Lines {
		s, n := in.Stock[l.Stock], in.Needs[l.Need]
		if skip[Key{PledgeLine: s.Line, Requirement: n.Requirement}] {
			continue
		}
		if _, err := assist.ActIn(ctx, tx, s.Pledge, 0, assist.Action{Kind: assist.Allocate, Line: s.Line, Quantity: l.Quantity, Requirement: n.Requirement}); err != nil {
			return out, fmt.Errorf("allocate %d of pledge line %d to R-%05d: %w", l.Quantity, s.Line, n.Requirement, err)
		}
		out.Allocations++
		out.Units += l.Quantity
		als, err := tx.LineAllocations(ctx, s.Line)
		if err != nil {
			return out, err
		}
		i := slices.IndexFunc(als, func(a assist.Allocation) bool { return a.Requirement == n.Requirement })
		if i < 0 {
			return out, fmt.Errorf("the allocation of pledge line %d to R-%05d is missing", s.Line, n.Requirement)
		}
		if len(l.Route) < 2 {
			continue
		}
		key := s.Nation + "|" + strings.Join(l.Route, ">")
		g, ok := groups[key]
		if !ok {
			g = &group{nation: s.Nation, origin: l.Route[0], dest: l.Route[len(l.Route)-1], via: l.Route[1 : len(l.Route)-1]}
			groups[key] = g
			order = append(order, key)
		}
		// Several lines of one allocation add up in one shipment line.
		j := slices.IndexFunc(g.lines, func(x logistics.NewLine) bool { return x.Allocation == als[i].ID })
		if j < 0 {
			g.lines = append(g.lines, logistics.NewLine{Allocation: als[i].ID, Quantity: l.Quantity})
		} else {
			g.lines[j].Quantity += l.Quantity
		}
	}
	for _, key := range order {
		g := groups[key]
		sh, err := logistics.CreateShipmentIn(ctx, tx, logistics.NewShipment{Origin: g.origin, Destination: g.dest, Via: g.via,
			PlannedDeparture: in.Start, Lines: g.lines, Notes: "planned by the allocation planner"})
		if err != nil {
			return out, fmt.Errorf("plan the shipment %s: %w", strings.ReplaceAll(key, "|", " "), err)
		}
		out.Shipments = append(out.Shipments, sh.ID)
	}
	return out, nil
}
