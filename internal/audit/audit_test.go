package audit

import (
	"fmt"
	"testing"
	"time"
)

func chain(n int) []Event {
	h := NewHasher()
	prev := Genesis
	var out []Event
	for i := 1; i <= n; i++ {
		e := Event{Seq: int64(i), At: time.Date(2025, 3, 1, 9, 0, i, 123456000, time.UTC), Actor: "deu-officer", Action: "pledge.commit",
			Entity: "pledge", EntityID: fmt.Sprint(i), Before: `{"a":1}`, After: fmt.Sprintf(`{"a":%d}`, i)}
		h.Seal(&e, prev)
		prev = e.Hash
		out = append(out, e)
	}
	return out
}

func raw(e Event) Raw {
	return Raw{Seq: e.Seq, At: e.At.Format(TimeLayout), Actor: e.Actor, Action: e.Action, Entity: e.Entity,
		EntityID: e.EntityID, Before: e.Before, After: e.After, PrevHash: e.PrevHash, Hash: e.Hash}
}

func TestVerifiersAgree(t *testing.T) {
	events := chain(20)
	v, vr := NewVerifier(), NewVerifier()
	for _, e := range events {
		r := raw(e)
		if err := v.Check(&e); err != nil {
			t.Fatal(err)
		}
		if err := vr.CheckRaw(&r); err != nil {
			t.Fatal(err)
		}
	}
	if v.Head() != vr.HeadRaw() || v.Count() != 20 {
		t.Errorf("heads %s and %s", v.Head(), vr.HeadRaw())
	}
	// A segment from event 11 trusts its first link and reports it.
	seg := NewSegmentVerifier(11)
	for _, e := range events[10:] {
		r := raw(e)
		if err := seg.CheckRaw(&r); err != nil {
			t.Fatal(err)
		}
	}
	if seg.FirstPrev() != events[9].Hash || seg.HeadRaw() != events[19].Hash {
		t.Error("the segment does not join the chain")
	}
}

func TestVerifierFindsEachKindOfEdit(t *testing.T) {
	for name, edit := range map[string]func([]Event) []Event{
		"content":   func(es []Event) []Event { es[4].After = `{"a":500}`; return es },
		"time":      func(es []Event) []Event { es[4].At = es[4].At.Add(time.Second); return es },
		"removed":   func(es []Event) []Event { return append(es[:4], es[5:]...) },
		"reordered": func(es []Event) []Event { es[4], es[5] = es[5], es[4]; return es },
		"relinked": func(es []Event) []Event {
			// Event 5 rewritten with a valid hash of its own: event 6's link breaks.
			es[4].After = `{"a":"forged"}`
			NewHasher().Seal(&es[4], es[3].Hash)
			return es
		},
	} {
		t.Run(name, func(t *testing.T) {
			es := edit(chain(8))
			v := NewVerifier()
			var brk error
			for i := range es {
				r := raw(es[i])
				if brk = v.CheckRaw(&r); brk != nil {
					break
				}
			}
			b, ok := brk.(*Break)
			if !ok || b.Seq < 5 || b.Seq > 6 {
				t.Errorf("break %v, want one at event 5 or 6", brk)
			}
		})
	}
}
