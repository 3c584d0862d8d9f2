package web

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
)

// templateExamples are the example rows of each kind's template. Their
// first cell starts with '#', so that the row is never imported: it shows
// the format, to be copied.
var templateExamples = map[string][][]string{
	"items":        {{"#1005-12-345-6789", "Rifle, 5.56 mm (example: rows starting with # are not imported)", "small arms", "EA", "950.00", "3.400", "0.012000", "small_arms"}},
	"requirements": {{"#example", "1320-12-345-6789", "", "12000", "1", "2026-03-31", "UA-LVV", "For the 2026 spring, rows starting with # are not imported", "NATO UNCLASSIFIED", "", "", "", "", ""}},
	"pledges": {
		{"#P1", "DEU", "Winter package (example: rows starting with # are not imported)", "155 mm rounds and air defence missiles, from Bundeswehr stocks", "in_kind", "military", "grant", "bilateral", "in_kind", "2025-11-01", "2026-03-31", "MoD press release", "", "", "",
			"", "", "", "", "", "", "NATO UNCLASSIFIED", "", "", "1320-12-345-6789", "12000", "3500.00", "", "", "", "", "price_list", "Manufacturer's price list 2025", "4000", "", "", "", "", "", ""},
		{"#P1", "DEU", "Winter package (example: rows starting with # are not imported)", "155 mm rounds and air defence missiles, from Bundeswehr stocks", "in_kind", "military", "grant", "bilateral", "in_kind", "2025-11-01", "2026-03-31", "MoD press release", "", "", "",
			"", "", "", "", "", "", "NATO UNCLASSIFIED", "", "", "1410-01-234-5678", "40", "", "USD", "480000.00", "1.0824", "2024-12-31", "official", "US DoD unit cost (the euro figure is left to the conversion)", "", "", "", "", "", "", ""},
		{"#P2", "DNK", "Contribution to the trust fund (example)", "", "funds", "military", "grant", "trust_fund", "trust_fund", "2025-11-01", "2025-12-31", "", "", "1000000.00", "",
			"", "", "", "", "official", "Ministry of Defence press release", "NATO UNCLASSIFIED", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", ""},
	},
	"progress": {
		{"#P-00001", "1", "committed", "", "12000", "", "", "(example: rows starting with # are not imported)"},
		{"#P-00001", "1", "allocated", "R-00003", "8000", "", "", ""},
		{"#P-00001", "1", "shipped", "R-00003", "8000", "", "", ""},
		{"#P-00001", "1", "delivered", "R-00003", "6000", "", "2026-01-15", ""},
		{"#P-00002", "", "money_committed", "", "", "1000000.00", "2025-12-01", "Contract 2025/117"},
	},
}

// uiTemplate answers a kind's import template: the header, a note and an
// example row, as CSV or, with format=xlsx, as a workbook whose coded
// columns offer drop-down lists of their values.
func (s *Server) uiTemplate(kind string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		format, err := tableFormat(r, "csv")
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		cw := exchange.NewWriter(&buf)
		buf.WriteString("# " + access.Unclassified.String() + "\n")
		buf.WriteString(fmt.Sprintf("# Longhaul %s: fill in a row for each %s below the header; rows starting with # are not imported.\n", kind, templateWhat[kind]))
		cw.Write(exchange.Columns[kind])
		for _, ex := range templateExamples[kind] {
			cw.Write(ex)
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		name := kind + "-template"
		if format == "xlsx" {
			lists, err := s.templateLists(r, kind)
			if err != nil {
				return err
			}
			book, err := exchange.ToXLSX(buf.Bytes(), kind, lists)
			if err != nil {
				return err
			}
			w.Header().Set("Content-Type", XLSXType)
			w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-%s.xlsx"`, name))
			_, err = w.Write(book)
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-%s.csv"`, name))
		_, err = w.Write(buf.Bytes())
		return err
	}
}

var templateWhat = map[string]string{"items": "item", "requirements": "requirement", "pledges": "pledge line (rows with the same pledge_ref are one pledge)",
	"progress": "step of a pledge's progress before the opening balance (imported by a coordinator, after the requirements and pledges, in the order of the rows)"}

// templateLists are the values each coded column of kind takes.
func (s *Server) templateLists(r *http.Request, kind string) (map[string][]string, error) {
	var marks []string
	for _, c := range access.Classifications() {
		marks = append(marks, c.String())
	}
	switch kind {
	case "items":
		return nil, nil
	case "requirements":
		sites, err := s.siteCodes(r, "delivery_point")
		if err != nil {
			return nil, err
		}
		var prios []string
		for p := assist.MinPriority; p <= assist.MaxPriority; p++ {
			prios = append(prios, strconv.Itoa(p))
		}
		return map[string][]string{"priority": prios, "delivery_site": sites, "classification": marks}, nil
	case "pledges":
		var nations []string
		o := list.Options{Limit: list.MaxLimit}
		for {
			p, err := s.Read.Catalog.Nations(r.Context(), catalog.NationFilter{}, o)
			if err != nil {
				return nil, err
			}
			for _, n := range p.Items {
				if n.Role != catalog.RoleRecipient {
					nations = append(nations, n.Code)
				}
			}
			if p.Next == "" {
				break
			}
			o.Cursor = p.Next
		}
		depots, err := s.siteCodes(r, "donor_depot")
		if err != nil {
			return nil, err
		}
		return map[string][]string{"nation": nations, "kind": assist.Kinds, "aid": assist.AidTypes, "instrument": assist.Instruments, "channel": assist.Channels, "category": assist.Categories, "depot": depots, "classification": marks,
			"amount_basis": assist.Bases, "unit_basis": assist.Bases}, nil
	case "progress":
		return map[string][]string{"step": assist.OpeningSteps}, nil
	}
	return nil, fault.Errorf(fault.NotFound, "no template of %q", kind)
}

// siteCodes are the codes of the sites of a kind.
func (s *Server) siteCodes(r *http.Request, kind string) ([]string, error) {
	var out []string
	o := list.Options{Limit: list.MaxLimit}
	for {
		p, err := s.Read.Catalog.Sites(r.Context(), catalog.SiteFilter{Kind: kind}, o)
		if err != nil {
			return nil, err
		}
		for _, st := range p.Items {
			out = append(out, st.Code)
		}
		if p.Next == "" {
			return out, nil
		}
		o.Cursor = p.Next
	}
}
