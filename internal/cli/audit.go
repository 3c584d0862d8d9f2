package cli

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/store"
)

const auditUsage = `Usage: longhaul audit verify [--db FILE|URL] [--anchor FILE] [--anchor-key FILE]
       longhaul audit anchor --out FILE [--db FILE|URL] [--anchor-key FILE]
       longhaul audit anchor-key [--anchor-key FILE]
       longhaul audit stream --to tcp://HOST:PORT|tls://HOST:PORT|file:///PATH [--format syslog|cef|json] [--from-seq N] [--follow]

verify checks every link of the audit chain and names the first broken one;
with --anchor, also that the chain holds every signed checkpoint of the file.
anchor appends a signed checkpoint of the chain's head to a file.
anchor-key prints the public key that verifies the checkpoints.
stream sends the audit events to a SIEM.`

func runAudit(ctx context.Context, args []string, env Env, stdio IO) error {
	sub := ""
	if len(args) > 0 {
		sub = args[0]
	}
	switch sub {
	case "verify":
		return runAuditVerify(ctx, args[1:], env, stdio)
	case "anchor":
		return runAuditAnchor(ctx, args[1:], env, stdio)
	case "anchor-key":
		return runAuditAnchorKey(ctx, args[1:], env, stdio)
	case "stream":
		return runAuditStream(ctx, args[1:], env, stdio)
	case "-h", "--help", "help":
		fmt.Fprintln(stdio.Out, auditUsage)
		return nil
	}
	fmt.Fprintln(stdio.Err, auditUsage)
	return ErrUsage
}

const defaultAnchorKey = "longhaul-anchor.key"

func anchorKeyFlag(fs *flag.FlagSet) *string {
	return fs.String("anchor-key", defaultAnchorKey, "the Ed25519 key file that signs the audit checkpoints (PEM, PKCS #8), made with mode 0600 on first use; to verify, the key or its public key (LONGHAUL_ANCHOR_KEY)")
}

// loadAnchorKey reads the signing key at file, making one when the file
// does not exist yet. A key file others may read is refused: whoever reads
// it can sign checkpoints of a rewritten chain.
func loadAnchorKey(file string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) {
		pemb, key, err := audit.NewAnchorKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return nil, fmt.Errorf("anchor key %s: %w", file, err)
		}
		if _, err := f.Write(pemb); err != nil {
			f.Close()
			return nil, err
		}
		if err := errors.Join(f.Sync(), f.Close()); err != nil {
			return nil, err
		}
		slog.Info("made a new anchor key", "file", file)
		return key, nil
	}
	if err != nil {
		return nil, fmt.Errorf("anchor key %s: %w", file, err)
	}
	if st, err := os.Stat(file); err == nil && st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("anchor key %s: others may read it (mode %04o): chmod 600 it", file, st.Mode().Perm())
	}
	key, err := audit.ParseAnchorKey(b)
	if err != nil {
		return nil, fmt.Errorf("anchor key %s: %w", file, err)
	}
	return key, nil
}

// loadAnchorPublic reads the key that verifies checkpoints: the signing
// key itself or its public key (PEM "PUBLIC KEY", as anchor-key prints).
func loadAnchorPublic(file string) (ed25519.PublicKey, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("anchor key %s: %w", file, err)
	}
	if blk, _ := pem.Decode(b); blk != nil && blk.Type == "PUBLIC KEY" {
		k, err := x509.ParsePKIXPublicKey(blk.Bytes)
		if err != nil {
			return nil, fmt.Errorf("anchor key %s: %w", file, err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, fmt.Errorf("anchor key %s: a %T key, not Ed25519", file, k)
		}
		return pub, nil
	}
	key, err := audit.ParseAnchorKey(b)
	if err != nil {
		return nil, fmt.Errorf("anchor key %s: %w", file, err)
	}
	return key.Public().(ed25519.PublicKey), nil
}

// appendCheckpoint signs the chain's head and appends it to file, synced.
func appendCheckpoint(ctx context.Context, db *store.DB, key ed25519.PrivateKey, file string, now time.Time) (audit.Checkpoint, error) {
	seq, hash, err := db.AuditHead(ctx)
	if err != nil {
		return audit.Checkpoint{}, err
	}
	c := audit.SignCheckpoint(key, seq, hash, now)
	if err := extendsAnchors(ctx, db, key, file, seq); err != nil {
		return c, err
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return c, fmt.Errorf("anchor file: %w", err)
	}
	if _, err := f.Write(c.Line()); err != nil {
		f.Close()
		return c, fmt.Errorf("anchor file %s: %w", file, err)
	}
	return c, errors.Join(f.Sync(), f.Close())
}

// extendsAnchors checks that a checkpoint of the chain whose head is seq
// may follow the last one of file: the chain still holds that checkpoint's
// event with its hash, and the key signed it. A database restored from an
// older copy, or another database, would otherwise write into the file a
// checkpoint that fails every later verify.
func extendsAnchors(ctx context.Context, db *store.DB, key ed25519.PrivateKey, file string, seq int64) error {
	f, err := os.Open(file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("anchor file: %w", err)
	}
	cps, err := audit.ParseAnchors(f)
	f.Close()
	if err != nil {
		return fmt.Errorf("anchor file %s: %w; nothing was appended", file, err)
	}
	if len(cps) == 0 {
		return nil
	}
	last := cps[len(cps)-1:]
	hashes, err := db.EventHashes(ctx, []int64{last[0].Seq})
	if err != nil {
		return err
	}
	lookup := func(seq int64) (string, bool) { h, ok := hashes[seq]; return h, ok }
	if err := audit.CheckAnchors(last, key.Public().(ed25519.PublicKey), seq, lookup); err != nil {
		return fmt.Errorf("%w; nothing was appended: this database is not the one %s anchors, or it lost events since (run 'longhaul audit verify --anchor'); after a restore you accept, keep %s as evidence and anchor to a new file", err, file, file)
	}
	return nil
}

func runAuditAnchor(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("audit anchor", "audit anchor --out FILE [--db FILE|URL] [--anchor-key FILE]", stdio)
	dsn := dbFlag(fs)
	out := fs.String("out", "", "the anchor file to append the checkpoint to (required; LONGHAUL_OUT)")
	keyFile := anchorKeyFlag(fs)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	if *out == "" {
		fmt.Fprintln(stdio.Err, "longhaul audit anchor: give --out FILE")
		fs.Usage()
		return ErrUsage
	}
	key, err := loadAnchorKey(*keyFile)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	c, err := appendCheckpoint(ctx, db, key, *out, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Appended to %s the checkpoint of event %d, hash %s, at %s, signed by key %s.\n", *out, c.Seq, c.Hash, c.At, c.Key)
	return nil
}

func runAuditAnchorKey(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("audit anchor-key", "audit anchor-key [--anchor-key FILE]", stdio)
	keyFile := anchorKeyFlag(fs)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	key, err := loadAnchorKey(*keyFile)
	if err != nil {
		return err
	}
	der, err := x509.MarshalPKIXPublicKey(key.Public())
	if err != nil {
		return err
	}
	fmt.Fprint(stdio.Out, string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})))
	fmt.Fprintf(stdio.Err, "key %s\n", base64.StdEncoding.EncodeToString(key.Public().(ed25519.PublicKey)))
	return nil
}

func runAuditVerify(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("audit verify", "audit verify [--db FILE|URL] [--anchor FILE] [--anchor-key FILE]", stdio)
	dsn := dbFlag(fs)
	anchorFile := fs.String("anchor", "", "an anchor file: check that the chain holds every checkpoint in it (LONGHAUL_ANCHOR)")
	keyFile := anchorKeyFlag(fs)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	var cps []audit.AnchorLine
	var pub ed25519.PublicKey
	if *anchorFile != "" {
		f, err := os.Open(*anchorFile)
		if err != nil {
			return fmt.Errorf("anchor file: %w", err)
		}
		cps, err = audit.ParseAnchors(f)
		f.Close()
		if err != nil {
			return fmt.Errorf("anchor file %s: %w", *anchorFile, err)
		}
		if len(cps) == 0 {
			return exitError{code: 3, err: fmt.Errorf("anchor file %s holds no checkpoint: it anchors nothing (is it the right file?)", *anchorFile)}
		}
		if pub, err = loadAnchorPublic(*keyFile); err != nil {
			return err
		}
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	res, err := db.VerifyAudit(ctx)
	if err != nil {
		return err
	}
	if res.Break != nil {
		return exitError{code: 3, err: fmt.Errorf("%w; %d events before it are intact", res.Break, res.Events)}
	}
	if *anchorFile != "" {
		seqs := make([]int64, len(cps))
		for i, c := range cps {
			seqs[i] = c.Seq
		}
		hashes, err := db.EventHashes(ctx, seqs)
		if err != nil {
			return err
		}
		lookup := func(seq int64) (string, bool) { h, ok := hashes[seq]; return h, ok }
		if err := audit.CheckAnchors(cps, pub, res.Events, lookup); err != nil {
			return exitError{code: 3, err: fmt.Errorf("%w; the chain itself is intact up to event %d", err, res.Events)}
		}
	}
	fmt.Fprintf(stdio.Out, "Audit chain intact: %d events, head %s (verified in %s).\n", res.Events, res.Head, time.Since(start).Round(time.Millisecond))
	if *anchorFile != "" {
		last := int64(0)
		if len(cps) > 0 {
			last = cps[len(cps)-1].Seq
		}
		fmt.Fprintf(stdio.Out, "It holds all %d checkpoints of %s (the last at event %d).\n", len(cps), *anchorFile, last)
	}
	return nil
}

// newSink makes the sink for address to in format (empty: json for a
// file, syslog otherwise), trusting the CA certificates in ca for TLS when
// given.
func newSink(db *store.DB, to, format, ca string, log *slog.Logger) (*audit.Sink, error) {
	if format == "" {
		format = audit.FormatSyslog
		if strings.HasPrefix(to, "file:") {
			format = audit.FormatJSON
		}
	}
	if err := audit.CheckFormat(format); err != nil {
		return nil, err
	}
	var tlsConf *tls.Config
	if ca != "" {
		pemb, err := os.ReadFile(ca)
		if err != nil {
			return nil, fmt.Errorf("audit sink CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pemb) {
			return nil, fmt.Errorf("audit sink CA %s: no PEM certificate in it", ca)
		}
		tlsConf = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	tr, err := audit.NewTransport(to, tlsConf)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	return &audit.Sink{Name: to, Source: db, Positions: db, Transport: tr, Format: format,
		Origin: audit.Origin{Host: host, Version: Version}, Log: log}, nil
}

func runAuditStream(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("audit stream", "audit stream --to tcp://HOST:PORT|tls://HOST:PORT|file:///PATH [--format syslog|cef|json] [--from-seq N] [--follow] [--audit-sink-ca FILE] [--db FILE|URL]", stdio)
	dsn := dbFlag(fs)
	to := fs.String("to", "", "where to send the events: tcp://HOST:PORT, tls://HOST:PORT or file:///PATH (required)")
	format := fs.String("format", "", "syslog (RFC 5424), cef (CEF over syslog) or json (lines); empty: json for a file, syslog otherwise")
	ca := fs.String("audit-sink-ca", "", "PEM file of the CA certificates to trust for tls:// (default: the system's) (LONGHAUL_AUDIT_SINK_CA)")
	formerCA := fs.String("ca", "", "the former name of --audit-sink-ca (LONGHAUL_CA)")
	from := fs.Int64("from-seq", 0, "the first event to send; 0 resumes after the last event this address has received")
	follow := fs.Bool("follow", false, "keep sending new events until interrupted")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	if *to == "" {
		fmt.Fprintln(stdio.Err, "longhaul audit stream: give --to ADDRESS")
		fs.Usage()
		return ErrUsage
	}
	if *from < 0 {
		return fmt.Errorf("--from-seq %d: must be 1 or more (0 resumes)", *from)
	}
	// --ca on the command line wins over LONGHAUL_AUDIT_SINK_CA, as any
	// flag over a variable; LONGHAUL_CA counts only without either.
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	if given["ca"] && given["audit-sink-ca"] {
		return errors.New("give --audit-sink-ca or its former name --ca, not both")
	}
	if *formerCA != "" && (given["ca"] || *ca == "") {
		*ca = *formerCA
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	log, err := newLogger(stdio.Err, "text", "info")
	if err != nil {
		return err
	}
	sink, err := newSink(db, *to, *format, *ca, log)
	if err != nil {
		return err
	}
	sink.From, sink.Follow = *from, *follow
	if err := sink.Run(ctx); err != nil {
		return err
	}
	at, err := db.SinkPosition(context.WithoutCancel(ctx), *to)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Sent %d audit events to %s as %s; it has every event up to %d.\n", sink.Sent.Load(), *to, sink.Format, at.Delivered)
	return nil
}
