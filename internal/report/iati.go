package report

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"time"

	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
)

// The IATI activity standard, version 2.03: the elements this export
// writes. Transaction type 2 is an outgoing commitment, 3 a disbursement.
type iatiActivities struct {
	XMLName    xml.Name       `xml:"iati-activities"`
	Version    string         `xml:"version,attr"`
	Generated  string         `xml:"generated-datetime,attr"`
	Activities []iatiActivity `xml:"iati-activity"`
}

type iatiActivity struct {
	Updated      string            `xml:"last-updated-datetime,attr"`
	Lang         string            `xml:"xml:lang,attr"`
	Currency     string            `xml:"default-currency,attr"`
	Identifier   string            `xml:"iati-identifier"`
	Reporting    iatiOrg           `xml:"reporting-org"`
	Title        iatiText          `xml:"title"`
	Description  iatiText          `xml:"description"`
	Participants []iatiParticipant `xml:"participating-org"`
	Status       iatiCode          `xml:"activity-status"`
	Dates        []iatiDate        `xml:"activity-date"`
	Country      iatiCountry       `xml:"recipient-country"`
	Sector       iatiSector        `xml:"sector"`
	Transactions []iatiTransaction `xml:"transaction"`
}

type iatiText struct {
	Narrative string `xml:"narrative"`
}

type iatiOrg struct {
	Ref       string `xml:"ref,attr"`
	Type      string `xml:"type,attr"`
	Narrative string `xml:"narrative"`
}

type iatiParticipant struct {
	Role      string `xml:"role,attr"`
	Type      string `xml:"type,attr"`
	Narrative string `xml:"narrative"`
}

type iatiCode struct {
	Code string `xml:"code,attr"`
}

type iatiDate struct {
	Date string `xml:"iso-date,attr"`
	Type string `xml:"type,attr"`
}

type iatiCountry struct {
	Code       string `xml:"code,attr"`
	Percentage string `xml:"percentage,attr"`
}

type iatiSector struct {
	Vocabulary string `xml:"vocabulary,attr"`
	Code       string `xml:"code,attr"`
	Narrative  string `xml:"narrative"`
}

type iatiTransaction struct {
	Type  iatiCode  `xml:"transaction-type"`
	Date  iatiDate2 `xml:"transaction-date"`
	Value iatiValue `xml:"value"`
}

type iatiDate2 struct {
	Date string `xml:"iso-date,attr"`
}

type iatiValue struct {
	Currency string `xml:"currency,attr"`
	Date     string `xml:"value-date,attr"`
	Amount   string `xml:",chardata"`
}

// Publisher reads what may be published.
type Publisher interface {
	// PublicActivities lists the pledges that may be published (NATO
	// UNCLASSIFIED and releasable to all) with their committed value and,
	// for year, their deliveries.
	PublicActivities(ctx context.Context, year int) ([]accounts.Activity, error)
}

// ReportingOrg is who publishes Longhaul's IATI file.
const ReportingOrg = "XI-LONGHAUL-NSATU"

// IATI writes the public part of the contributions of year as IATI
// activities: one per pledge that is NATO UNCLASSIFIED and releasable to
// all, its committed value as a commitment on its announcement date and
// each day's deliveries in the year as a disbursement.
func IATI(ctx context.Context, pub Publisher, w io.Writer, year int, now time.Time) (int, error) {
	acts, err := pub.PublicActivities(ctx, year)
	if err != nil {
		return 0, err
	}
	doc := iatiActivities{Version: "2.03", Generated: now.UTC().Format(time.RFC3339)}
	for _, a := range acts {
		desc := fmt.Sprintf("Security assistance pledged by %s to Ukraine, counted as %s; delivery promised by %s.", a.Name, assist.Label(a.Category), a.Promised)
		if a.Illustrative {
			desc += " Illustrative record."
		}
		act := iatiActivity{Updated: a.Updated.UTC().Format(time.RFC3339), Lang: "en", Currency: "EUR",
			Identifier: fmt.Sprintf("%s-P-%05d", ReportingOrg, a.Pledge),
			Reporting:  iatiOrg{Ref: ReportingOrg, Type: "40", Narrative: "NATO Security Assistance and Training for Ukraine (NSATU)"},
			Title:      iatiText{a.Title}, Description: iatiText{desc},
			Participants: []iatiParticipant{{Role: "1", Type: "10", Narrative: a.Name}, {Role: "4", Type: "10", Narrative: "Ukraine"}},
			Status:       iatiCode{"2"},
			Dates:        []iatiDate{{a.Announced, "1"}, {a.Promised, "3"}},
			Country:      iatiCountry{"UA", "100"},
			Sector:       iatiSector{Vocabulary: "99", Code: a.Category, Narrative: assist.Label(a.Category)},
		}
		if a.Committed > 0 {
			act.Transactions = append(act.Transactions, iatiTransaction{Type: iatiCode{"2"}, Date: iatiDate2{a.Announced}, Value: iatiValue{"EUR", a.Announced, a.Committed.String()}})
		}
		for _, d := range a.Delivered {
			act.Transactions = append(act.Transactions, iatiTransaction{Type: iatiCode{"3"}, Date: iatiDate2{d.Date}, Value: iatiValue{"EUR", d.Date, d.Value.String()}})
		}
		doc.Activities = append(doc.Activities, act)
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return 0, err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return 0, err
	}
	_, err = io.WriteString(w, "\n")
	return len(doc.Activities), err
}
