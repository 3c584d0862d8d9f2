package cli

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/demo"
	"github.com/longhaul/longhaul/internal/exchange"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/forecast"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/telemetry"
	"github.com/longhaul/longhaul/internal/training"
	"github.com/longhaul/longhaul/internal/web"
)

// openDB opens the database dsn names, which must exist: a mistyped path
// given to check, audit verify or a report is an error, not a new empty
// database that passes. Only the commands that set a database up (serve,
// migrate, demo, import and user) create one, with createDB.
func openDB(ctx context.Context, dsn string) (*store.DB, error) {
	if !store.IsPostgres(dsn) && dsn != "" && !strings.Contains(dsn, ":memory:") {
		if _, err := os.Stat(strings.TrimPrefix(dsn, "sqlite:")); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("database %s does not exist: give --db (or LONGHAUL_DB) the path of a Longhaul database; 'longhaul migrate --db %s' creates an empty one", dsn, dsn)
		}
	}
	return createDB(ctx, dsn)
}

// createDB opens the database dsn names, creating a SQLite file that does
// not exist, and brings its schema up to date.
func createDB(ctx context.Context, dsn string) (*store.DB, error) {
	db, err := store.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: %w", dsnLabel(dsn), err)
	}
	return db, nil
}

func dsnLabel(dsn string) string {
	if store.IsPostgres(dsn) {
		return "(PostgreSQL)"
	}
	return dsn
}

func loadDemo(ctx context.Context, db *store.DB, out io.Writer) error {
	loaded, err := demo.Loaded(ctx, db)
	if err != nil {
		return err
	}
	if loaded {
		fmt.Fprintln(out, "The demo scenario is already loaded.")
		return nil
	}
	start := time.Now()
	cat := &catalog.Service{Store: store.Catalog{DB: db}}
	led := &assist.Service{Store: store.Assist{DB: db}}
	now := time.Now().UTC()
	if err := demo.Load(ctx, cat, led, now); err != nil {
		return err
	}
	lg := &logistics.Service{Store: store.Logistics{DB: db}}
	all := func(ctx context.Context) ([]assist.Pledge, error) {
		return db.AllPledges(ctx, assist.PledgeFilter{}, now.Format(assist.DateLayout))
	}
	if err := demo.LoadLogistics(ctx, lg, all, now); err != nil {
		return err
	}
	if err := demo.LoadAccounts(ctx, db, &accounts.Service{Store: store.Accounts{DB: db}}, now); err != nil {
		return err
	}
	if err := demo.LoadRepair(ctx, &repair.Service{Store: store.Repair{DB: db}}, now); err != nil {
		return err
	}
	if err := demo.LoadReadiness(ctx, &training.Service{Store: store.Training{DB: db}}, db, readinessService(db), now); err != nil {
		return err
	}
	if err := loadHistory(ctx, db, led, lg, now); err != nil {
		return err
	}
	n, err := demo.LoadUsers(ctx, accessService(db))
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "Loaded the demo scenario (%d sites, %d links, %d items, illustrative requirements, pledges and shipments, %d users) in %s.\n",
		len(demo.Sites), len(demo.Links), len(demo.Items), n, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(out, "Demo users (password %q): ", demo.Password)
	for i, u := range demo.Users {
		if i > 0 {
			fmt.Fprint(out, ", ")
		}
		fmt.Fprintf(out, "%s (%s)", u.Name, u.Roles[0])
	}
	fmt.Fprintln(out)
	return nil
}

// loadHistory records the demo's illustrative history through the ledger's
// and logistics' use cases, the store's clock set to each of its days and
// then back.
func loadHistory(ctx context.Context, db *store.DB, led *assist.Service, lg *logistics.Service, now time.Time) error {
	clock := db.Now
	defer func() { db.Now = clock }()
	setNow := func(t time.Time) { db.Now = func() time.Time { return t } }
	allocations := func(ctx context.Context, pledge int64) ([]assist.Allocation, error) {
		return db.Allocations(ctx, pledge, 0)
	}
	return demo.LoadHistory(ctx, led, lg, allocations, setNow, now)
}

// bootstrapAdmin creates an administrator with a one-time password when the
// database has no user at all, and prints the password once.
func bootstrapAdmin(ctx context.Context, db *store.DB, out io.Writer) error {
	n, err := db.CountUsers(ctx)
	if err != nil || n > 0 {
		return err
	}
	pw := access.RandomToken(15)
	if _, err := accessService(db).CreateUser(ctx, access.NewUser{Name: "admin", DisplayName: "Administrator", Nation: "DEU", Roles: []access.Role{access.Admin}, Clearance: access.Unclassified, Password: pw}); err != nil {
		return fmt.Errorf("create the first administrator: %w", err)
	}
	fmt.Fprintf(out, "Created the administrator \"admin\" with the one-time password %s\nSign in and change it under Your account; add users under Users (or with 'longhaul user add').\n", pw)
	return nil
}

func runServe(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("serve", "serve [--db FILE|URL] [--addr HOST:PORT] [--demo] [--anchor FILE] [--audit-sink URL]", stdio)
	dsn := dbFlag(fs)
	addr := fs.String("addr", "localhost:8080", "address to listen on (LONGHAUL_ADDR)")
	withDemo := fs.Bool("demo", false, "load the demonstration scenario if the database does not have it (LONGHAUL_DEMO)")
	logFormat := fs.String("log-format", "text", "log format: text or json (LONGHAUL_LOG_FORMAT)")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error (LONGHAUL_LOG_LEVEL)")
	tlsCert := fs.String("tls-cert", "", "TLS certificate file (PEM); serves HTTPS with --tls-key (LONGHAUL_TLS_CERT)")
	tlsKey := fs.String("tls-key", "", "TLS private key file (PEM) (LONGHAUL_TLS_KEY)")
	nf := addNotifyFlags(fs)
	proxies := fs.String("trusted-proxies", "", "addresses or prefixes of the reverse proxies whose X-Forwarded-For gives the client's address, comma-separated, e.g. 10.0.0.0/8 (LONGHAUL_TRUSTED_PROXIES)")
	otlp := fs.String("otlp-endpoint", "", "base URL of an OTLP/HTTP receiver to send traces to, e.g. http://localhost:4318; the OTEL_EXPORTER_OTLP_* variables are honoured too (LONGHAUL_OTLP_ENDPOINT)")
	oidc := ssoFlags(fs) // single sign-on
	production := fs.Bool("production", false, "production mode: refuses --demo, requires TLS or --trusted-proxies, marks cookies Secure, and requires a second factor of coordinators and administrators unless --mfa-required-roles says otherwise (LONGHAUL_PRODUCTION)")
	webauthnOrigin := fs.String("webauthn-origin", "", "the site's origin for passkeys (WebAuthn), https://HOST[:PORT] or http://localhost[:PORT]; default --public-url when it is one; off for none (LONGHAUL_WEBAUTHN_ORIGIN)")
	mfaRoles := fs.String("mfa-required-roles", "", "roles that must set up a second factor before doing anything else, comma-separated, e.g. coordinator,admin; none for none (default none, or coordinator,admin with --production) (LONGHAUL_MFA_REQUIRED_ROLES)")
	anchorFile := fs.String("anchor", "", "append a signed checkpoint of the audit chain's head to this file every --anchor-every and at shutdown (LONGHAUL_ANCHOR)")
	anchorEvery := fs.Duration("anchor-every", 10*time.Minute, "how often serve appends a checkpoint to --anchor (LONGHAUL_ANCHOR_EVERY)")
	anchorKey := anchorKeyFlag(fs)
	sinkTo := fs.String("audit-sink", "", "send the audit events to a SIEM as they are committed: tcp://HOST:PORT, tls://HOST:PORT or file:///PATH (LONGHAUL_AUDIT_SINK)")
	sinkFormat := fs.String("audit-sink-format", "", "syslog (RFC 5424), cef (CEF over syslog) or json (lines); empty: json for a file, syslog otherwise (LONGHAUL_AUDIT_SINK_FORMAT)")
	sinkCA := fs.String("audit-sink-ca", "", "PEM file of the CA certificates to trust for a tls:// sink (default: the system's) (LONGHAUL_AUDIT_SINK_CA)")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	if *anchorEvery <= 0 {
		return fmt.Errorf("--anchor-every %s: must be positive", *anchorEvery)
	}
	// Everything that can refuse the settings does so before the database
	// is opened: a refused start creates nothing and spends no one-time
	// password.
	if (*tlsCert == "") != (*tlsKey == "") {
		return fmt.Errorf("give both --tls-cert and --tls-key, or neither")
	}
	var cert *tls.Certificate
	if *tlsCert != "" {
		c, err := tls.LoadX509KeyPair(*tlsCert, *tlsKey)
		if err != nil {
			return fmt.Errorf("TLS certificate: %w", err)
		}
		cert = &c
	}
	trusted, err := web.ParseProxies(*proxies)
	if err != nil {
		return err
	}
	requiredRoles, err := serveMode{Production: *production, Demo: *withDemo, TLS: cert != nil, BehindProxy: len(trusted) > 0, RequiredRoles: *mfaRoles}.check()
	if err != nil {
		return err
	}
	relying, err := oidc.load()
	if err != nil {
		return err
	}
	log, err := newLogger(stdio.Err, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	tracing, err := telemetry.Start(ctx, telemetry.Config{Endpoint: *otlp, Version: Version, Log: log}, env)
	if err != nil {
		return err
	}
	// The exporter is flushed once the server has stopped and the last
	// transactions are done: the spans of the last requests go out too.
	defer func() {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if err := tracing.Shutdown(sctx); err != nil {
			log.Error("traces: the last spans were not exported", "err", err)
		}
	}()
	if tracing.Enabled() {
		log = slog.New(telemetry.LogHandler(log.Handler()))
		log.Info("tracing", "otlp", tracing.URL)
	}
	slog.SetDefault(log)
	db, err := createDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.Hold(); err != nil {
		return err
	}
	db.Trace(tracing.Provider())
	// The first checkpoint is taken before anything else is written (the
	// demo, the first administrator): an anchor file that cannot be
	// written, or that anchors another chain, refuses the start before it
	// has spent a one-time password or left the chain unanchored.
	var anchor ed25519.PrivateKey
	var anchoredTo int64
	if *anchorFile != "" {
		if anchor, err = loadAnchorKey(*anchorKey); err != nil {
			return err
		}
		first, err := appendCheckpoint(ctx, db, anchor, *anchorFile, time.Now())
		if err != nil {
			return fmt.Errorf("--anchor %s: %w", *anchorFile, err)
		}
		log.InfoContext(ctx, "audit anchor", "file", *anchorFile, "seq", first.Seq, "hash", first.Hash)
		anchoredTo = first.Seq
	}
	if *withDemo {
		if err := loadDemo(ctx, db, stdio.Out); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	if err := bootstrapAdmin(ctx, db, stdio.Out); err != nil {
		return err
	}
	worker, err := nf.worker(db, log, *addr)
	if err != nil {
		return err
	}
	if worker.Mail == nil {
		log.Info("no --smtp-addr: notification e-mails wait in the outbox; webhooks are sent")
	}
	srv := NewServer(db, log, Version)
	srv.TrustedProxies = trusted
	srv.Tracing = tracing.Provider()
	oidc.apply(srv, relying)
	srv.Access.Factor.Required = requiredRoles
	if srv.Access.Passkeys, err = passkeys(db, *webauthnOrigin, nf.publicURL, log); err != nil {
		return err
	}
	if srv.Access.Passkeys != nil {
		log.Info("passkeys", "origin", srv.Access.Passkeys.Origin)
	}
	if err := warnUnusablePasskeys(ctx, db, srv.Access.Passkeys, log); err != nil {
		return err
	}
	srv.SecureCookies = *production
	if *sinkTo != "" {
		sink, err := newSink(db, *sinkTo, *sinkFormat, *sinkCA, log)
		if err != nil {
			return err
		}
		sink.Follow = true
		// The sink reads the committed chain on its own: a receiver that is
		// down delays it, never a change. It stops after the server, having
		// sent what was written until then.
		sctx, stopSink := context.WithCancel(context.WithoutCancel(ctx))
		sunk := make(chan struct{})
		go func() {
			defer close(sunk)
			if err := sink.Run(sctx); err != nil {
				log.Error("audit sink stopped", "sink", *sinkTo, "err", err)
			}
		}()
		defer func() {
			stopSink()
			<-sunk
			// What was committed since its last look goes too, if the
			// receiver takes it within a few seconds.
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			sink.Follow = false
			if err := sink.Run(dctx); err != nil {
				log.Error("audit sink stopped", "sink", *sinkTo, "err", err)
			}
		}()
	}
	if *anchorFile != "" {
		// The last checkpoint is taken after the server has stopped
		// answering, so its own context outlives the signal's.
		actx, stopAnchors := context.WithCancel(context.WithoutCancel(ctx))
		anchored := make(chan struct{})
		go func() {
			defer close(anchored)
			keepAnchors(actx, db, anchor, *anchorFile, *anchorEvery, anchoredTo, log)
		}()
		defer func() { stopAnchors(); <-anchored }()
	}
	// The refusals of people not signed in reach the audit trail as one
	// summary a minute, and a last one at shutdown, before the database
	// closes.
	kctx, stopKeeping := context.WithCancel(ctx)
	kept := make(chan struct{})
	go func() {
		defer close(kept)
		srv.Access.KeepRefusals(kctx, access.RefusalInterval, func(err error) { log.Error("audit of refusals failed", "err", err) })
	}()
	defer func() { stopKeeping(); <-kept }()
	// The early warnings are checked at start and every hour, so that a
	// line is flagged on the day its forecast or its shipment's ETA passes
	// its promised date.
	warned := make(chan struct{})
	go func() {
		defer close(warned)
		keepWarnings(kctx, srv.Forecast, log, time.Hour)
	}()
	defer func() { stopKeeping(); <-warned }()
	// The notification worker delivers the outbox, and raises what is
	// late or due, every --notify-every.
	notified := make(chan struct{})
	go func() {
		defer close(notified)
		keepNotifying(kctx, srv.Notify, worker, log, nf.every)
	}()
	defer func() { stopKeeping(); <-notified }()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	scheme := "http"
	if cert != nil {
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12})
		scheme = "https"
	} else if !isLoopback(ln.Addr()) {
		log.Warn("serving plain HTTP on an address other than loopback: passwords and session cookies cross the network unencrypted; use --tls-cert and --tls-key, or a TLS proxy", "addr", ln.Addr().String())
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
	}
	fmt.Fprintf(stdio.Out, "Longhaul %s is serving %s://%s (database %s, %s)\n", Version, scheme, displayAddr(ln.Addr().String()), dsnLabel(*dsn), db.Dialect())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// keepWarnings runs the early-warning check now and then every interval
// until ctx is done, logging what each run changed.
func keepWarnings(ctx context.Context, fc *forecast.Service, log *slog.Logger, every time.Duration) {
	ctx = access.WithIdentity(ctx, access.System.Named("early-warning"))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		r, err := fc.Check(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "early-warning check failed", "err", err)
		case err == nil:
			log.InfoContext(ctx, "early-warning check", "day", r.Day.String(), "flagged", len(r.Flagged), "closed", len(r.Closed), "open", r.Open)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// keepAnchors appends a checkpoint of the chain's head to file every
// interval while the head moves past last, and once more when ctx ends.
func keepAnchors(ctx context.Context, db *store.DB, key ed25519.PrivateKey, file string, every time.Duration, last int64, log *slog.Logger) {
	anchor := func(ctx context.Context) {
		if seq, _, err := db.AuditHead(ctx); err == nil && seq == last {
			return // nothing new to hold
		}
		c, err := appendCheckpoint(ctx, db, key, file, time.Now())
		if err != nil {
			log.ErrorContext(ctx, "audit anchor failed", "file", file, "err", err)
			return
		}
		last = c.Seq
		log.InfoContext(ctx, "audit anchor", "file", file, "seq", c.Seq, "hash", c.Hash)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			anchor(context.Background())
			return
		case <-t.C:
			anchor(ctx)
		}
	}
}

func isLoopback(a net.Addr) bool {
	tcp, ok := a.(*net.TCPAddr)
	return ok && tcp.IP.IsLoopback()
}

func displayAddr(a string) string {
	host, port, err := net.SplitHostPort(a)
	if err != nil {
		return a
	}
	if host == "127.0.0.1" || host == "::1" || host == "" || host == "::" || host == "0.0.0.0" {
		host = "localhost"
	}
	return net.JoinHostPort(host, port)
}

func runMigrate(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("migrate", "migrate [--db FILE|URL]", stdio)
	dsn := dbFlag(fs)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	db, err := createDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "Database %s is at schema version %d.\n", dsnLabel(*dsn), v)
	return nil
}

func runDemo(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("demo", "demo [--db FILE|URL]", stdio)
	dsn := dbFlag(fs)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	db, err := createDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	return loadDemo(ctx, db, stdio.Out)
}

func runImport(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("import", "import [--db FILE|URL] [--dry-run] [--opening] KIND FILE   (KIND: items, requirements, pledges or progress; FILE: CSV or .xlsx, - for standard input)", stdio)
	dsn := dbFlag(fs)
	dry := fs.Bool("dry-run", false, "check the file and say what it would add, saving nothing")
	opening := fs.Bool("opening", false, "an opening balance: requirements and pledges keep the file's references, and progress brings in how far they have come")
	pos, err := parse(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		fs.Usage()
		return ErrUsage
	}
	kind, name := pos[0], pos[1]
	in := stdio.In
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return err
		}
		defer f.Close()
		in = f
	}
	db, err := createDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	ctx = access.WithIdentity(ctx, access.System.Named("cli:import"))
	im := &exchange.Importer{Store: exchange.Over[*store.Tx](db), Catalog: &catalog.Service{Store: store.Catalog{DB: db}}, Assist: &assist.Service{Store: store.Assist{DB: db}}}
	res, err := im.ImportWith(ctx, kind, in, exchange.Options{DryRun: *dry, Opening: *opening})
	for _, n := range res.Notices {
		fmt.Fprintf(stdio.Err, "%s: %s\n", name, n)
	}
	if err != nil {
		return problems(stdio, err, "Nothing was imported from "+name, name)
	}
	if *dry {
		fmt.Fprintf(stdio.Out, "%s holds %d %s to add, from %d rows, and no problem. Nothing was saved (--dry-run).\n", name, res.Created, res.What(), res.Rows)
		for _, p := range res.Records {
			fmt.Fprintf(stdio.Out, "  %s\t%s\n", p.At, p.Summary)
		}
		return nil
	}
	as := ""
	if res.Opening {
		as = " as an opening balance"
	}
	fmt.Fprintf(stdio.Out, "Imported %d %s from %d rows of %s%s.\n", res.Created, res.What(), res.Rows, name, as)
	return nil
}

func runExport(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("export", "export [--db FILE|URL] [--out FILE] [--format csv|xlsx] KIND   (KIND: items, requirements, pledges or progress)", stdio)
	dsn := dbFlag(fs)
	out := fs.String("out", "-", "file to write, - for standard output")
	format := fs.String("format", "", "csv or xlsx; empty is xlsx for an --out ending in .xlsx, csv otherwise")
	pos, err := parse(fs, args, env)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return ErrUsage
	}
	if *format == "" {
		*format = "csv"
		if strings.HasSuffix(strings.ToLower(*out), ".xlsx") {
			*format = "xlsx"
		}
	}
	if *format != "csv" && *format != "xlsx" {
		return fmt.Errorf("--format %q: use csv or xlsx", *format)
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	var w io.Writer = stdio.Out
	var f *os.File
	if *out != "-" {
		if f, err = os.Create(*out); err != nil {
			return err
		}
		w = f
	}
	// A workbook is written from the CSV of the same export, as the
	// server writes it.
	var csvBuf bytes.Buffer
	final := w
	if *format == "xlsx" {
		w = &csvBuf
	}
	today := time.Now().UTC().Format(assist.DateLayout)
	switch pos[0] {
	case "items":
		items, e := db.AllItems(ctx, catalog.ItemFilter{})
		_, e2 := exchange.WriteItems(w, items)
		err = errors.Join(e, e2)
	case "requirements":
		reqs, e := db.AllRequirements(ctx, assist.RequirementFilter{})
		_, e2 := exchange.WriteRequirements(w, reqs)
		err = errors.Join(e, e2)
	case "pledges":
		ps, e := db.AllPledges(ctx, assist.PledgeFilter{}, today)
		_, e2 := exchange.WritePledges(w, ps)
		err = errors.Join(e, e2)
	case "progress":
		ps, e := db.AllProgress(ctx, assist.PledgeFilter{}, today)
		_, e2 := exchange.WriteProgress(w, ps)
		err = errors.Join(e, e2)
	default:
		err = fmt.Errorf("%q cannot be exported: use one of %s", pos[0], strings.Join(exchange.Kinds, ", "))
	}
	if err == nil && *format == "xlsx" {
		book, e := exchange.ToXLSX(csvBuf.Bytes(), pos[0], nil)
		if err = e; err == nil {
			_, err = final.Write(book)
		}
	}
	if f != nil {
		err = errors.Join(err, f.Close())
	}
	return err
}

func runCheck(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("check", "check [--db FILE|URL] [--json]", stdio)
	dsn := dbFlag(fs)
	asJSON := fs.Bool("json", false, "print the report as JSON")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	start := time.Now()
	rep, err := db.Check(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdio.Out)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else {
		rep.Write(stdio.Out)
		fmt.Fprintf(stdio.Out, "Checked in %s.\n", time.Since(start).Round(time.Millisecond))
	}
	if !rep.OK() {
		return exitError{code: 3, err: fmt.Errorf("%d violation(s) of the ledger's invariants", len(rep.Violations))}
	}
	return nil
}

func runVersion(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("version", "version", stdio)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "longhaul %s\n", Version)
	return nil
}

// problems prints every problem of a refused change under a heading and
// returns an error that exits 1; an internal error is returned as it is.
func problems(stdio IO, err error, heading, what string) error {
	e := fault.As(err)
	if e == nil || e.Code == fault.Internal {
		return err
	}
	fmt.Fprintf(stdio.Err, "%s:\n", heading)
	probs := e.Problems
	if len(probs) == 0 {
		probs = []*fault.Error{e}
	}
	for _, p := range probs {
		fmt.Fprintf(stdio.Err, "  %s\n", p.Error())
	}
	return exitError{code: 1, err: fmt.Errorf("%d problem(s) in %s", len(probs), what)}
}
