package web

import (
	"cmp"
	"context"
	"slices"
	"strings"

	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/list"
)

// names are the names of what a page shows by its code: items by NSN,
// sites and nations by code. A handler reads them once for its request
// and its template writes every code with its name beside it, so that a
// person reads "Cartridge, 155 mm HE (1320-12-345-6789)" where the ledger
// holds the NSN. A code whose name was not read, or that names nothing,
// is written alone, as it was typed.
type names struct {
	items, sites, nations map[string]string
}

// named writes name with its code, "Kyiv delivery point (UA-KYIV)", or the
// code alone when there is no name or the name is the code.
func named(name, code string) string {
	name = strings.TrimSpace(name)
	if name == "" || name == code {
		return code
	}
	if code == "" {
		return name
	}
	return name + " (" + code + ")"
}

// Item is the item of nsn by its name and NSN.
func (n names) Item(nsn string) string { return named(n.items[nsn], nsn) }

// Site is the site of code by its name and code.
func (n names) Site(code string) string { return named(n.sites[code], code) }

// Nation is the nation of code by its name and code.
func (n names) Nation(code string) string { return named(n.nations[code], code) }

// Owner is the owner of a lesson's remedial action by its name: a nation
// or a facility by name and code, a course by its code, NSATU itself.
func (n names) Owner(kind, code string) string {
	switch kind {
	case "nation":
		return n.Nation(code)
	case "facility":
		return n.Site(code)
	case "nsatu":
		return "NSATU"
	}
	return code
}

// Route is a route of sites by their names: "Bundeswehr depot (DE-DEP1)
// → Rzeszów-Jasionka logistics hub (PL-RZE)".
func (n names) Route(codes []string) string {
	out := make([]string, len(codes))
	for i, c := range codes {
		out[i] = n.Site(c)
	}
	return strings.Join(out, " → ")
}

// choice is one entry of a picker: the code it sends and the name with
// the code that it shows, so that a person may type either to find it.
type choice struct{ Code, Label string }

func choicesOf(m map[string]string) []choice {
	out := make([]choice, 0, len(m))
	for code, name := range m {
		out = append(out, choice{Code: code, Label: named(name, code)})
	}
	slices.SortFunc(out, func(a, b choice) int { return cmp.Compare(a.Label, b.Label) })
	return out
}

// Items, Sites and Nations are the picker's choices of each, by name.
func (n names) Items() []choice   { return choicesOf(n.items) }
func (n names) Sites() []choice   { return choicesOf(n.sites) }
func (n names) Nations() []choice { return choicesOf(n.nations) }

// withItems, withSites and withNations add the names of what a handler
// has read already, so that nothing is read twice for one request.
func (n names) withItems(items []catalog.Item) names {
	n.items = addNames(n.items, items, func(it catalog.Item) (string, string) { return it.NSN, it.Name })
	return n
}

func (n names) withSites(sites []catalog.Site) names {
	n.sites = addNames(n.sites, sites, func(st catalog.Site) (string, string) { return st.Code, st.Name })
	return n
}

func (n names) withNations(nations []catalog.Nation) names {
	n.nations = addNames(n.nations, nations, func(c catalog.Nation) (string, string) { return c.Code, c.Name })
	return n
}

func addNames[T any](m map[string]string, xs []T, codeName func(T) (string, string)) map[string]string {
	if m == nil {
		m = make(map[string]string, len(xs))
	}
	for _, x := range xs {
		code, name := codeName(x)
		m[code] = name
	}
	return m
}

// nameSet says which names a page needs.
type nameSet uint8

const (
	itemNames nameSet = 1 << iota
	siteNames
	nationNames
)

// readNames reads the names of want, each list once, as the reader may
// see them.
func (s *Server) readNames(ctx context.Context, want nameSet) (names, error) {
	var n names
	if want&itemNames != 0 {
		items, err := s.Read.Catalog.AllItems(ctx, catalog.ItemFilter{})
		if err != nil {
			return n, err
		}
		n = n.withItems(items)
	}
	if want&siteNames != 0 {
		sites, err := s.Read.Catalog.Sites(ctx, catalog.SiteFilter{}, list.Options{Limit: list.MaxLimit})
		if err != nil {
			return n, err
		}
		n = n.withSites(sites.Items)
	}
	if want&nationNames != 0 {
		nations, err := s.Read.Catalog.Nations(ctx, catalog.NationFilter{}, list.Options{Limit: list.MaxLimit})
		if err != nil {
			return n, err
		}
		n = n.withNations(nations.Items)
	}
	return n, nil
}
