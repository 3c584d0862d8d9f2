package audit_test

import (
	"bytes"
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
)

// seeded is a fixed key, as randomness is faked in tests.
func seeded(b byte) ed25519.PrivateKey {
	return ed25519.NewKeyFromSeed(bytes.Repeat([]byte{b}, ed25519.SeedSize))
}

func hashOf(n int64) string { return strings.Repeat(string(rune('a'+n%6)), 64) }

// TestCheckAnchors holds chains to signed checkpoints: a chain that holds
// every checkpoint passes; one cut short, rewritten at a checkpoint, or
// checked against a checkpoint edited, forged with another key or signed
// over other content fails, naming the checkpoint's line and event.
func TestCheckAnchors(t *testing.T) {
	key, other := seeded(1), seeded(2)
	pub := key.Public().(ed25519.PublicKey)
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	sign := func(k ed25519.PrivateKey, seq int64) audit.Checkpoint {
		return audit.SignCheckpoint(k, seq, hashOf(seq), at)
	}
	lines := func(cs ...audit.Checkpoint) []audit.AnchorLine {
		var out []audit.AnchorLine
		for i, c := range cs {
			out = append(out, audit.AnchorLine{Line: i + 1, Checkpoint: c})
		}
		return out
	}
	chain := func(head int64, rewritten int64) func(int64) (string, bool) {
		return func(s int64) (string, bool) {
			if s < 1 || s > head {
				return "", false
			}
			if rewritten > 0 && s >= rewritten {
				return strings.Repeat("f", 64), true
			}
			return hashOf(s), true
		}
	}
	edited := sign(key, 50)
	edited.Seq = 40
	edited.Hash = hashOf(40)
	forged := sign(other, 50)
	renamed := sign(other, 50)
	renamed.Key = sign(key, 50).Key
	empty := audit.SignCheckpoint(key, 0, audit.Genesis, at)
	for _, c := range []struct {
		name   string
		cps    []audit.AnchorLine
		head   int64
		rewrit int64
		want   string // empty: passes
	}{
		{"every checkpoint held", lines(empty, sign(key, 10), sign(key, 50), sign(key, 100)), 120, 0, ""},
		{"the chain ends at the last checkpoint", lines(sign(key, 10), sign(key, 100)), 100, 0, ""},
		{"no checkpoint", nil, 5, 0, ""},
		{"cut off after the first checkpoint", lines(sign(key, 10), sign(key, 50), sign(key, 100)), 30, 0,
			"anchor checkpoint on line 2 (event 50, taken 2026-12-03T12:00:00Z): the chain ends at event 30: events 31 to 50 are missing"},
		{"rolled back to an empty chain", lines(sign(key, 10)), 0, 0, "line 1 (event 10"},
		{"rewritten from event 60", lines(sign(key, 10), sign(key, 50), sign(key, 100)), 100, 60,
			"line 3 (event 100, taken 2026-12-03T12:00:00Z): the chain's event 100 has hash ffff"},
		{"a checkpoint edited", lines(sign(key, 10), edited), 100, 0, "line 2 (event 40, taken 2026-12-03T12:00:00Z): its signature does not match its content"},
		{"a checkpoint of another key", lines(forged), 100, 0, "signed by another key than the anchor key"},
		{"another key's signature under the anchor key's name", lines(renamed), 100, 0, "its signature does not match"},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := audit.CheckAnchors(c.cps, pub, c.head, chain(c.head, c.rewrit))
			if c.want == "" {
				if err != nil {
					t.Fatalf("%v, want it to pass", err)
				}
				return
			}
			var brk *audit.AnchorBreak
			if !errors.As(err, &brk) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("%v, want an anchor break saying %q", err, c.want)
			}
		})
	}
}

// TestAnchorFileRoundTrip writes checkpoints as lines and reads them back
// with their line numbers; a line that is not a checkpoint is named.
func TestAnchorFileRoundTrip(t *testing.T) {
	key := seeded(3)
	var b bytes.Buffer
	at := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	b.Write(audit.SignCheckpoint(key, 7, hashOf(7), at).Line())
	b.WriteString("\n")
	b.Write(audit.SignCheckpoint(key, 9, hashOf(9), at.Add(time.Minute)).Line())
	got, err := audit.ParseAnchors(&b)
	if err != nil || len(got) != 2 || got[0].Line != 1 || got[1].Line != 3 || got[1].Seq != 9 || got[1].At != "2026-12-03T12:01:00Z" {
		t.Fatalf("%+v, %v", got, err)
	}
	if err := got[1].CheckSignature(key.Public().(ed25519.PublicKey)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"not json", `{"seq":1,"hash":"ab","at":"x","key":"k","sig":"s"}`, `{"seq":1,"hash":"` + hashOf(1) + `","at":"x","key":"k","sig":"s","extra":1}`} {
		_, err := audit.ParseAnchors(strings.NewReader(string(audit.SignCheckpoint(key, 1, hashOf(1), at).Line()) + bad + "\n"))
		if err == nil || !strings.Contains(err.Error(), "line 2 is not a checkpoint") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	pemb, k, err := audit.NewAnchorKey(bytes.NewReader(bytes.Repeat([]byte{4}, 64)))
	if err != nil {
		t.Fatal(err)
	}
	back, err := audit.ParseAnchorKey(pemb)
	if err != nil || !back.Equal(k) {
		t.Fatalf("key round trip: %v", err)
	}
}
