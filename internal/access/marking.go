// Package access owns who may see and do what: classifications, releasability
// and (as they arrive) identities, roles and the policy that joins them.
//
// It imports nothing of Longhaul's but fault.
package access

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"

	"github.com/longhaul/longhaul/internal/fault"
)

// Classification is a NATO security classification, ordered from the lowest.
type Classification int

// The classifications Longhaul holds, lowest first.
const (
	Unclassified Classification = iota
	Restricted
	Confidential
	Secret
)

var classNames = []string{"NATO UNCLASSIFIED", "NATO RESTRICTED", "NATO CONFIDENTIAL", "NATO SECRET"}

// Classifications lists every classification, lowest first.
func Classifications() []Classification {
	return []Classification{Unclassified, Restricted, Confidential, Secret}
}

func (c Classification) String() string {
	if c < 0 || int(c) >= len(classNames) {
		return "INVALID"
	}
	return classNames[c]
}

// Short is the abbreviation printed in banners: NU, NR, NC, NS.
func (c Classification) Short() string {
	return [...]string{"NU", "NR", "NC", "NS"}[c]
}

// ParseClassification reads a classification by its full name ("NATO
// RESTRICTED"), its name without "NATO" or its abbreviation (NR), in any case
// of its ASCII letters: no other letter stands for one of them ("ſECRET"
// is not SECRET). An empty string is NATO UNCLASSIFIED.
func ParseClassification(s string) (Classification, error) {
	t := upperASCII(strings.Join(strings.Fields(s), " "))
	if t == "" {
		return Unclassified, nil
	}
	for i, n := range classNames {
		c := Classification(i)
		if t == n || t == strings.TrimPrefix(n, "NATO ") || t == c.Short() {
			return c, nil
		}
	}
	return 0, fault.Errorf(fault.Invalid, "%q is not a classification: use one of NATO UNCLASSIFIED, NATO RESTRICTED, NATO CONFIDENTIAL, NATO SECRET", s)
}

// upperASCII upper-cases the ASCII letters of s and leaves the others.
func upperASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}, s)
}

// MarshalText writes the full name.
func (c Classification) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText reads what ParseClassification reads.
func (c *Classification) UnmarshalText(b []byte) error {
	v, err := ParseClassification(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// Releasability is the list of nations (ISO alpha-3 codes) a record may be
// released to beyond its owner. Empty means releasable to all.
type Releasability []string

// ParseReleasability reads "REL TO UKR, DEU, POL", "UKR DEU POL" or
// "UKR,DEU" into a sorted list without duplicates.
func ParseReleasability(s string) Releasability {
	t := asciiUpper(strings.TrimSpace(s))
	t = strings.TrimPrefix(t, "REL TO")
	f := strings.FieldsFunc(t, func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '/' })
	return Normalize(f)
}

// asciiUpper upper-cases the ASCII letters of s and leaves every other
// character as typed: codes are ASCII, and Unicode's case mappings do not
// go back ("İ" lower-cased is "i"), so a code typed with another letter is
// kept for its check to refuse, not turned into one that might pass.
func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 'a' + 'A'
		}
	}
	return string(b)
}

// Normalize upper-cases (ASCII letters), sorts and de-duplicates codes.
func Normalize(codes []string) Releasability {
	seen := map[string]bool{}
	var out Releasability
	for _, c := range codes {
		c = asciiUpper(strings.TrimSpace(c))
		if c == "" || seen[c] {
			continue
		}
		seen[c] = true
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}

// MarshalJSON writes an empty list as [], never null.
func (r Releasability) MarshalJSON() ([]byte, error) {
	if len(r) == 0 {
		return []byte("[]"), nil
	}
	return json.Marshal([]string(r))
}

func (r Releasability) String() string {
	if len(r) == 0 {
		return ""
	}
	return "REL TO " + strings.Join(r, ", ")
}

// Marking is the classification and releasability a record carries.
type Marking struct {
	Classification Classification `json:"classification"`
	ReleasableTo   Releasability  `json:"releasable_to"`
}

// String renders the marking as printed on a page: "NATO RESTRICTED REL TO DEU, UKR".
func (m Marking) String() string {
	if len(m.ReleasableTo) == 0 {
		return m.Classification.String()
	}
	return m.Classification.String() + " " + m.ReleasableTo.String()
}

// MarkingPart names one part of a marking: its classification or its
// releasability.
type MarkingPart int

// The parts of a marking an edit may leave out.
const (
	ClassificationPart MarkingPart = iota + 1
	ReleasabilityPart
)

// Keep returns m with the parts named taken from old: an edit that leaves a
// part out keeps the record's own, so that no marking is lowered by
// omission.
func (m Marking) Keep(old Marking, parts ...MarkingPart) Marking {
	for _, p := range parts {
		switch p {
		case ClassificationPart:
			m.Classification = old.Classification
		case ReleasabilityPart:
			m.ReleasableTo = old.ReleasableTo
		}
	}
	return m
}

// Lowers reports whether m, put in the place of old, would let more people
// read the record: a lower classification, or releasability to a nation old
// does not name (releasable to all when old names any).
func (m Marking) Lowers(old Marking) bool {
	if m.Classification < old.Classification {
		return true
	}
	if len(old.ReleasableTo) == 0 {
		return false
	}
	if len(m.ReleasableTo) == 0 {
		return true
	}
	for _, n := range m.ReleasableTo {
		if !slices.Contains(old.ReleasableTo, n) {
			return true
		}
	}
	return false
}
