package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// A Checkpoint is the head of the chain at one moment, signed: a copy kept
// outside the database, so that a chain cut short or rolled back to an
// older backup, which Verify alone cannot tell from a chain that simply
// ended there, is found by the checkpoints it no longer holds.
type Checkpoint struct {
	Seq  int64  `json:"seq"`
	Hash string `json:"hash"` // hex, the hash of event Seq
	At   string `json:"at"`   // when it was taken, RFC 3339 UTC
	Key  string `json:"key"`  // the signer's public key, base64 (which key, not trust)
	Sig  string `json:"sig"`  // Ed25519 over SignedBytes, base64
}

// anchorContext separates checkpoint signatures from any other use of the
// same key.
const anchorContext = "longhaul audit anchor v1\n"

// SignedBytes is what a checkpoint's signature covers.
func (c Checkpoint) SignedBytes() []byte {
	return []byte(anchorContext + strconv.FormatInt(c.Seq, 10) + "\n" + c.Hash + "\n" + c.At + "\n")
}

// SignCheckpoint returns the checkpoint of event seq with hash, taken at
// at, signed with key.
func SignCheckpoint(key ed25519.PrivateKey, seq int64, hash string, at time.Time) Checkpoint {
	c := Checkpoint{Seq: seq, Hash: hash, At: at.UTC().Format(time.RFC3339)}
	c.Key = base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey))
	c.Sig = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.SignedBytes()))
	return c
}

// Line is the checkpoint as one line of an anchor file, with its newline.
func (c Checkpoint) Line() []byte {
	b, _ := json.Marshal(c)
	return append(b, '\n')
}

// CheckSignature reports whether c was signed by pub: the key it names
// must be pub, since a forger would name their own.
func (c Checkpoint) CheckSignature(pub ed25519.PublicKey) error {
	sig, err := base64.StdEncoding.DecodeString(c.Sig)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return errors.New("its signature is not an Ed25519 signature")
	}
	if c.Key != base64.StdEncoding.EncodeToString(pub) {
		return errors.New("it was signed by another key than the anchor key")
	}
	if !ed25519.Verify(pub, c.SignedBytes(), sig) {
		return errors.New("its signature does not match its content (it was edited)")
	}
	return nil
}

// AnchorLine is a checkpoint read from an anchor file, with its line
// number.
type AnchorLine struct {
	Line int
	Checkpoint
}

// ParseAnchors reads an anchor file: one checkpoint, as JSON, a line;
// blank lines are skipped. A line that is not a checkpoint is an error
// naming it.
func ParseAnchors(r io.Reader) ([]AnchorLine, error) {
	var out []AnchorLine
	sc := bufio.NewScanner(r)
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var c Checkpoint
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil || c.Seq < 0 || len(c.Hash) != len(Genesis) || c.Sig == "" {
			return nil, fmt.Errorf("line %d is not a checkpoint", n)
		}
		out = append(out, AnchorLine{Line: n, Checkpoint: c})
	}
	return out, sc.Err()
}

// AnchorBreak says which checkpoint a chain fails and why.
type AnchorBreak struct {
	Line   int
	Seq    int64
	At     string
	Reason string
}

func (b *AnchorBreak) Error() string {
	return fmt.Sprintf("anchor checkpoint on line %d (event %d, taken %s): %s", b.Line, b.Seq, b.At, b.Reason)
}

// CheckAnchors holds a chain that ends at event head to each checkpoint:
// the signature must be pub's, the chain must reach the checkpoint's event,
// and hashOf, which gives the hash the chain holds for an event, must give
// the checkpoint's. The first checkpoint that fails is returned as an
// *AnchorBreak: a chain shorter than a checkpoint was cut off or rolled
// back; a different hash means that part of it was rewritten.
func CheckAnchors(cps []AnchorLine, pub ed25519.PublicKey, head int64, hashOf func(seq int64) (string, bool)) error {
	for _, c := range cps {
		brk := func(format string, args ...any) error {
			return &AnchorBreak{Line: c.Line, Seq: c.Seq, At: c.At, Reason: fmt.Sprintf(format, args...)}
		}
		if err := c.CheckSignature(pub); err != nil {
			return brk("%v", err)
		}
		if c.Seq == 0 {
			continue // taken of an empty chain: nothing to hold
		}
		if c.Seq > head {
			return brk("the chain ends at event %d: events %d to %d are missing (it was cut off, or rolled back to an older copy)", head, head+1, c.Seq)
		}
		h, ok := hashOf(c.Seq)
		switch {
		case !ok:
			return brk("the chain has no event %d", c.Seq)
		case h != c.Hash:
			return brk("the chain's event %d has hash %s, the checkpoint %s (the chain was rewritten or replaced from that event on)", c.Seq, h, c.Hash)
		}
	}
	return nil
}

// NewAnchorKey returns a new Ed25519 key as a PEM block (PKCS #8), for a
// key file.
func NewAnchorKey(rand io.Reader) ([]byte, ed25519.PrivateKey, error) {
	_, key, err := ed25519.GenerateKey(rand)
	if err != nil {
		return nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), key, nil
}

// ParseAnchorKey reads an Ed25519 private key from PEM (PKCS #8).
func ParseAnchorKey(b []byte) (ed25519.PrivateKey, error) {
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "PRIVATE KEY" {
		return nil, errors.New("not a PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(blk.Bytes)
	if err != nil {
		return nil, err
	}
	ed, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("a %T key, not Ed25519", k)
	}
	return ed, nil
}
