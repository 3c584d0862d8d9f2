package audit_test

// Benchmarks of the chain's in-memory verification; docs/benchmarks.md has
// the figures. They report their rate against SHA-256 over the same bytes,
// measured in the same run.

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
)

// benchEvents is the number of events the in-memory benchmarks verify per op.
const benchEvents = 100_000

// benchChain is a valid chain of events shaped like the service's (the
// same JSON as internal/store's benchmark writes: a third pledge.create
// with the pledge after, a third pledge.commit with the pledge before and
// after, a third requirement.allocate with the requirement before and
// after), with the canonical encoding of every event concatenated in buf.
type benchChain struct {
	events []audit.Event
	buf    []byte
	ends   []int
}

var (
	benchOnce  sync.Once
	benchData  *benchChain
	benchNSNs  = [3]string{"1320-12-345-6789", "1320-14-111-2222", "1410-01-234-5678"}
	benchNames = [3]string{"Cartridge, 155 mm HE M795", "Cartridge, 155 mm HE DM121", "Guided missile, Stinger"}
	benchUnits = [3]string{"3500.00", "3500.00", "500000.00"}
	benchNats  = []string{"DEU", "POL", "GBR", "USA", "FRA", "NLD", "NOR", "SWE", "DNK", "CAN", "ITA", "ESP"}
)

func benchPledgeJSON(id int64, nation string, committed bool, version int, at string) []byte {
	b := fmt.Appendf(nil, `{"id":%d,"nation":%q,"title":"155 mm ammunition and air defence, winter package","kind":"in_kind","channel":"bilateral","category":"in_kind","announced":"2026-11-01","promised":"2027-03-31","reference":"MoD press release 2026-11-01","amount":"0.00","classification":"NATO RESTRICTED","releasable_to":["UKR"],"lines":[`, id, nation)
	for j := 0; j < 3; j++ {
		if j > 0 {
			b = append(b, ',')
		}
		q := []int64{12000, 8000, 40}[j] + id%1000
		c := int64(0)
		if committed && j == 0 {
			c = q
		}
		b = fmt.Appendf(b, `{"id":%d,"no":%d,"nsn":%q,"item_name":%q,"unit_value":%q,"pledged":%d,"committed":%d,"allocated":0,"shipped":0,"delivered":0,"accepted":0,"withdrawn":0}`,
			3*id+int64(j), j+1, benchNSNs[j], benchNames[j], benchUnits[j], q, c)
	}
	b = fmt.Appendf(b, `],"version":%d,"created_at":%q,"updated_at":%q`, version, at, at)
	if committed {
		b = fmt.Appendf(b, `,"action":{"kind":"commit","line":%d,"quantity":%d}`, 3*id, 12000+id%1000)
	}
	return append(b, '}')
}

func benchRequirementJSON(id int64, allocated int64, state string, version int, at string) string {
	return fmt.Sprintf(`{"id":%d,"nsn":"1320-12-345-6789","quantity":20000,"priority":%d,"need_by":"2027-01-31","delivery_site":"UA-KYIV","notes":"Counter-battery fire, eastern axis","classification":"NATO RESTRICTED","releasable_to":["UKR"],"allocated":%d,"delivered":0,"accepted":0,"state":%q,"version":%d,"created_at":%q,"updated_at":%q}`,
		id, 1+id%4, allocated, state, version, at, at)
}

func benchGetChain() *benchChain {
	benchOnce.Do(func() {
		c := &benchChain{events: make([]audit.Event, 0, benchEvents), ends: make([]int, 0, benchEvents)}
		h := audit.NewHasher()
		prev := audit.Genesis
		base := time.Date(2022, 3, 1, 8, 0, 0, 0, time.UTC)
		var before string
		for i := 1; i <= benchEvents; i++ {
			g := int64((i-1)/3 + 1)
			at := base.Add(time.Duration(i)*97*time.Second + time.Duration(i%997)*time.Microsecond)
			ats := at.Format(audit.TimeLayout)
			e := audit.Event{Seq: int64(i), At: at, Actor: "web:10.0." + strconv.Itoa(i%7) + "." + strconv.Itoa(i%251) + ":" + strconv.Itoa(40000+i%20000)}
			nation := benchNats[g%int64(len(benchNats))]
			switch (i - 1) % 3 {
			case 0:
				e.Action, e.Entity, e.EntityID = "pledge.create", "pledge", strconv.FormatInt(g, 10)
				e.After = string(benchPledgeJSON(g, nation, false, 1, ats))
				before = e.After
			case 1:
				e.Action, e.Entity, e.EntityID = "pledge.commit", "pledge", strconv.FormatInt(g, 10)
				e.Before, e.After = before, string(benchPledgeJSON(g, nation, true, 2, ats))
			case 2:
				e.Action, e.Entity, e.EntityID = "requirement.allocate", "requirement", strconv.FormatInt(g, 10)
				e.Before, e.After = benchRequirementJSON(g, 0, "open", 1, ats), benchRequirementJSON(g, 12000, "partly_allocated", 2, ats)
			}
			h.Seal(&e, prev)
			prev = e.Hash
			c.events = append(c.events, e)
			c.buf = audit.Encode(c.buf, &e)
			c.ends = append(c.ends, len(c.buf))
		}
		benchData = c
	})
	return benchData
}

var benchSink byte

// benchSHAPass hashes every event's canonical bytes as the verifier's
// hasher does (reset, write, sum into a reused buffer).
func benchSHAPass(c *benchChain, h hash.Hash, sum []byte) []byte {
	start := 0
	for _, end := range c.ends {
		h.Reset()
		h.Write(c.buf[start:end])
		sum = h.Sum(sum[:0])
		start = end
	}
	benchSink ^= sum[0]
	return sum
}

// benchRate runs pass at least once and for at least d, and returns events
// per second.
func benchRate(c *benchChain, d time.Duration, pass func()) float64 {
	n := 0
	t0 := time.Now()
	for n == 0 || time.Since(t0) < d {
		pass()
		n++
	}
	return float64(n*len(c.ends)) / time.Since(t0).Seconds()
}

// BenchmarkVerifierCheck runs Verifier.Check over a valid chain of 100,000
// events held in memory; one op is one pass over the chain with a new
// Verifier. After the timed passes it measures SHA-256 over the same
// canonical bytes and audit.Encode alone, and reports Check's rate as a
// fraction of SHA-256's (frac-of-sha256).
func BenchmarkVerifierCheck(b *testing.B) {
	c := benchGetChain()
	b.SetBytes(int64(len(c.buf)))
	for b.Loop() {
		v := audit.NewVerifier()
		for i := range c.events {
			if err := v.Check(&c.events[i]); err != nil {
				b.Fatal(err)
			}
		}
	}
	check := float64(b.N*len(c.events)) / b.Elapsed().Seconds()
	h, sum := sha256.New(), make([]byte, 0, sha256.Size)
	sha := benchRate(c, time.Second, func() { sum = benchSHAPass(c, h, sum) })
	var enc []byte
	encode := benchRate(c, time.Second, func() {
		for i := range c.events {
			enc = audit.Encode(enc[:0], &c.events[i])
		}
	})
	b.ReportMetric(check, "events/s")
	b.ReportMetric(sha, "sha256-events/s")
	b.ReportMetric(check/sha, "frac-of-sha256")
	b.ReportMetric(1e9/encode, "encode-ns/event")
}

// BenchmarkVerifierSHA256SameBytes is BenchmarkVerifierCheck's baseline on
// its own: SHA-256 over the canonical bytes of the same 100,000 events.
func BenchmarkVerifierSHA256SameBytes(b *testing.B) {
	c := benchGetChain()
	b.SetBytes(int64(len(c.buf)))
	h, sum := sha256.New(), make([]byte, 0, sha256.Size)
	for b.Loop() {
		sum = benchSHAPass(c, h, sum)
	}
	b.ReportMetric(float64(b.N*len(c.ends))/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(len(c.buf))/float64(len(c.ends)), "bytes/event")
}
