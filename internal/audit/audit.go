// Package audit owns the hash-chained event log: every change Longhaul makes
// is recorded, in the same transaction, as an Event that carries the hash of
// the event before it, so that any later edit of history is detected by
// Verify; the signed checkpoints that anchor it outside the database; and
// the formats and the sink that send it to a SIEM.
//
// It imports nothing of Longhaul's.
package audit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash"
	"strconv"
	"time"
)

// ID is a record's id as an event's entity id.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// Record is what a use case says about its change; the store turns it into
// an Event by adding the sequence number, the time and the chain.
type Record struct {
	Action   string // e.g. "pledge.create", "pledge.commit"
	Entity   string // e.g. "pledge"
	EntityID string
	Before   any // nil for a creation
	After    any // nil for a deletion
	// Cause is a marked record the event also tells of, such as the pledge
	// whose allocation moved a requirement: the event carries the stricter
	// of its marking and the record's, so that only a reader who may see
	// both sees that it happened.
	Cause any
}

// Event is one link of the chain.
type Event struct {
	Seq      int64     `json:"seq"`
	At       time.Time `json:"at"`
	Actor    string    `json:"actor"`
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Before   string    `json:"before,omitempty"` // canonical JSON, or empty
	After    string    `json:"after,omitempty"`
	PrevHash string    `json:"prev_hash"` // hex
	Hash     string    `json:"hash"`      // hex
}

// Genesis is the previous hash of the first event.
const Genesis = "0000000000000000000000000000000000000000000000000000000000000000"

// TimeLayout is the one way an event's time is written, both into the
// database and into the hashed encoding, so that it survives a round trip
// through either engine unchanged.
const TimeLayout = "2006-01-02T15:04:05.000000Z"

// Hasher computes event hashes, reusing its buffers between events.
type Hasher struct {
	h   hash.Hash
	buf []byte
	sum [sha256.Size]byte
}

// NewHasher returns a Hasher.
func NewHasher() *Hasher { return &Hasher{h: sha256.New()} }

// Sum returns the hash of e over its canonical encoding: every field but
// Hash, each written as a length-prefixed byte string in a fixed order, so
// that no two different events share an encoding.
func (h *Hasher) Sum(e *Event) string {
	h.buf = Encode(h.buf[:0], e)
	h.h.Reset()
	h.h.Write(h.buf)
	return hex.EncodeToString(h.h.Sum(h.sum[:0]))
}

// Encode appends the canonical encoding of e (without its own hash) to b.
func Encode(b []byte, e *Event) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(e.Seq))
	b = field(b, e.At.UTC().Format(TimeLayout))
	b = field(b, e.Actor)
	b = field(b, e.Action)
	b = field(b, e.Entity)
	b = field(b, e.EntityID)
	b = field(b, e.Before)
	b = field(b, e.After)
	b = field(b, e.PrevHash)
	return b
}

func field[S string | []byte](b []byte, s S) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// Raw is an event as stored, its fields as the database gives them, so that
// verifying a long chain neither parses times nor copies text. At is the
// stored time text, which the canonical encoding holds as written.
type Raw struct {
	Seq                                                                int64
	At, Actor, Action, Entity, EntityID, Before, After, PrevHash, Hash string
}

func encodeRaw(b []byte, r *Raw) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(r.Seq))
	for _, f := range [...]string{r.At, r.Actor, r.Action, r.Entity, r.EntityID, r.Before, r.After, r.PrevHash} {
		b = field(b, f)
	}
	return b
}

// Seal sets e's PrevHash to prev and its Hash to the hash over both.
func (h *Hasher) Seal(e *Event, prev string) {
	e.PrevHash = prev
	e.Hash = h.Sum(e)
}

// Break describes the first broken link of a chain.
type Break struct {
	Seq    int64
	Reason string
}

func (b *Break) Error() string {
	return fmt.Sprintf("audit chain broken at event %d: %s", b.Seq, b.Reason)
}

// Verifier checks a chain one event at a time, in sequence order.
type Verifier struct {
	h     *Hasher
	prev  string
	next  int64
	count int64
	// For CheckRaw: the first event's previous hash, whether one was read,
	// and the hex of each event's hash, reused.
	firstRaw string
	started  bool
	sum      [64]byte
}

// NewVerifier returns a Verifier expecting the chain to start at sequence 1.
func NewVerifier() *Verifier {
	return &Verifier{h: NewHasher(), prev: Genesis, next: 1, started: true}
}

// NewSegmentVerifier returns a Verifier for the part of a chain that starts
// at sequence start, whose first link is taken on trust: FirstPrev says what
// it claimed, for the caller to join it to the part before.
func NewSegmentVerifier(start int64) *Verifier {
	return &Verifier{h: NewHasher(), next: start}
}

// FirstPrev is the previous hash the first event of a segment named.
func (v *Verifier) FirstPrev() string { return v.firstRaw }

// CheckRaw verifies the next event as stored, like Check.
func (v *Verifier) CheckRaw(r *Raw) error {
	if r.Seq != v.next {
		return &Break{Seq: r.Seq, Reason: fmt.Sprintf("expected event %d, found %d (an event was removed or inserted)", v.next, r.Seq)}
	}
	if !v.started { // the first event of a segment
		v.firstRaw, v.prev, v.started = r.PrevHash, r.PrevHash, true
	}
	if r.PrevHash != v.prev {
		return &Break{Seq: r.Seq, Reason: "its previous hash does not match the event before it"}
	}
	v.h.buf = encodeRaw(v.h.buf[:0], r)
	v.h.h.Reset()
	v.h.h.Write(v.h.buf)
	hex.Encode(v.sum[:], v.h.h.Sum(v.h.sum[:0]))
	if string(v.sum[:]) != r.Hash {
		return &Break{Seq: r.Seq, Reason: "its content does not match its hash (it was edited)"}
	}
	v.prev = r.Hash
	v.next = r.Seq + 1
	v.count++
	return nil
}

// HeadRaw is the hash of the last event CheckRaw verified.
func (v *Verifier) HeadRaw() string { return v.prev }

// Check verifies the next event and returns a *Break at the first bad link:
// a gap or reordering in the sequence, a previous hash that does not match
// the event before, or a hash that does not match the event's content.
func (v *Verifier) Check(e *Event) error {
	switch {
	case e.Seq != v.next:
		return &Break{Seq: e.Seq, Reason: fmt.Sprintf("expected event %d, found %d (an event was removed or inserted)", v.next, e.Seq)}
	case e.PrevHash != v.prev:
		return &Break{Seq: e.Seq, Reason: "its previous hash does not match the event before it"}
	}
	if got := v.h.Sum(e); got != e.Hash {
		return &Break{Seq: e.Seq, Reason: "its content does not match its hash (it was edited)"}
	}
	v.prev, v.next = e.Hash, e.Seq+1
	v.count++
	return nil
}

// Count is the number of events verified so far.
func (v *Verifier) Count() int64 { return v.count }

// Head is the hash of the last event verified.
func (v *Verifier) Head() string { return v.prev }
