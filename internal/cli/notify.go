package cli

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/notify"
	"github.com/longhaul/longhaul/internal/outbound"
	"github.com/longhaul/longhaul/internal/store"
)

// notifyFlags are the settings of the notification worker, shared by
// serve and notify send.
type notifyFlags struct {
	smtpAddr, smtpFrom, smtpUser, smtpPassword, smtpPasswordFile, smtpStartTLS, smtpCA string
	publicURL                                                                          string
	every                                                                              time.Duration
}

func addNotifyFlags(fs *flag.FlagSet) *notifyFlags {
	f := &notifyFlags{}
	fs.StringVar(&f.smtpAddr, "smtp-addr", "", "SMTP server for the notification e-mails, host:port; none: e-mails wait in the outbox (LONGHAUL_SMTP_ADDR)")
	fs.StringVar(&f.smtpFrom, "smtp-from", "", "sender address of the notification e-mails, e.g. longhaul@example.org (LONGHAUL_SMTP_FROM)")
	fs.StringVar(&f.smtpUser, "smtp-user", "", "SMTP user name, for PLAIN authentication (LONGHAUL_SMTP_USER)")
	fs.StringVar(&f.smtpPassword, "smtp-password", "", "SMTP password; better given by LONGHAUL_SMTP_PASSWORD or LONGHAUL_SMTP_PASSWORD_FILE (LONGHAUL_SMTP_PASSWORD)")
	fs.StringVar(&f.smtpPasswordFile, "smtp-password-file", "", "file holding the SMTP password (LONGHAUL_SMTP_PASSWORD_FILE)")
	fs.StringVar(&f.smtpStartTLS, "smtp-starttls", outbound.Required, "STARTTLS to the SMTP server: required, opportunistic, or off (only for a server on loopback) (LONGHAUL_SMTP_STARTTLS)")
	fs.StringVar(&f.smtpCA, "smtp-ca", "", "PEM file of the authorities trusted for the SMTP server's certificate; default the system's (LONGHAUL_SMTP_CA)")
	fs.StringVar(&f.publicURL, "public-url", "", "the server's address as its users reach it, for the links in notifications, e.g. https://longhaul.example.org (LONGHAUL_PUBLIC_URL)")
	fs.DurationVar(&f.every, "notify-every", 30*time.Second, "serve: how often the notification worker delivers the outbox (LONGHAUL_NOTIFY_EVERY)")
	return f
}

// worker builds the notification worker from the flags, or stops with
// the setting at fault.
func (f *notifyFlags) worker(db *store.DB, log *slog.Logger, addr string) (*notify.Worker, error) {
	w := &notify.Worker{Store: store.Outbox{DB: db}, Hooks: &outbound.Webhooks{}, Log: log, BaseURL: f.publicURL}
	if w.BaseURL == "" {
		w.BaseURL = "http://" + displayAddr(addr)
	} else if !strings.HasPrefix(w.BaseURL, "http://") && !strings.HasPrefix(w.BaseURL, "https://") {
		return nil, fmt.Errorf("--public-url %q: give an http:// or https:// address", f.publicURL)
	}
	switch f.smtpStartTLS {
	case outbound.Required, outbound.Opportunistic, outbound.Off:
	default:
		return nil, fmt.Errorf("--smtp-starttls %q: use required, opportunistic or off", f.smtpStartTLS)
	}
	if f.every <= 0 {
		return nil, fmt.Errorf("--notify-every %s: give a positive duration, e.g. 30s", f.every)
	}
	if f.smtpAddr == "" {
		return w, nil
	}
	if f.smtpFrom == "" {
		return nil, fmt.Errorf("--smtp-addr needs --smtp-from, the sender address")
	}
	pw := f.smtpPassword
	if f.smtpPasswordFile != "" {
		b, err := os.ReadFile(f.smtpPasswordFile)
		if err != nil {
			return nil, fmt.Errorf("--smtp-password-file: %w", err)
		}
		pw = strings.TrimRight(string(b), "\r\n")
	}
	m := &outbound.SMTP{Addr: f.smtpAddr, From: f.smtpFrom, User: f.smtpUser, Password: pw, StartTLS: f.smtpStartTLS}
	if f.smtpCA != "" {
		pool, err := outbound.LoadCA(f.smtpCA)
		if err != nil {
			return nil, fmt.Errorf("--smtp-ca: %w", err)
		}
		m.RootCAs = pool
	}
	w.Mail = m
	return w, nil
}

// notifyPass raises the events due now, then delivers the outbox once.
func notifyPass(ctx context.Context, svc *notify.Service, w *notify.Worker) (int, notify.PassResult, error) {
	n, err := svc.Check(ctx)
	if err != nil {
		return 0, notify.PassResult{}, fmt.Errorf("notification check: %w", err)
	}
	r, err := w.Pass(ctx)
	return n, r, err
}

// keepNotifying runs the check and a pass now and every interval until
// ctx is done.
func keepNotifying(ctx context.Context, svc *notify.Service, w *notify.Worker, log *slog.Logger, every time.Duration) {
	ctx = access.WithIdentity(ctx, access.System.Named("notify"))
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, r, err := notifyPass(ctx, svc, w)
		switch {
		case err != nil && ctx.Err() == nil:
			log.ErrorContext(ctx, "notification pass failed", "err", err)
		case err == nil && (n > 0 || r.Fanned > 0 || r.Sent > 0 || r.Retried > 0 || r.Failed > 0 || r.Withheld > 0 || r.Held > 0):
			log.InfoContext(ctx, "notification pass", "raised", n, "events", r.Fanned, "deliveries", r.Deliveries, "digests", r.Digests, "sent", r.Sent, "retried", r.Retried, "failed", r.Failed, "withheld", r.Withheld, "held for a digest", r.Held)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

var notifyUsage = `Usage:
  longhaul notify send [--smtp-addr HOST:PORT --smtp-from ADDRESS] [--public-url URL]   (raise the events due now and deliver the outbox once)
  longhaul notify webhooks                                             (the webhook endpoints)
  longhaul notify webhook-add --name NAME --url URL --events KIND[,KIND] --as-user USER   (the signing secret is printed once)
  longhaul notify webhook-disable --id ID
Kinds: ` + strings.Join(notify.KindNames(), ", ") + "."

func runNotify(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, notifyUsage)
	if err == errHelpShown {
		return nil
	}
	if err != nil {
		return err
	}
	switch sub {
	case "send":
		return runNotifySend(ctx, rest, env, stdio)
	case "webhooks", "webhook-add", "webhook-disable":
		return runWebhooks(ctx, sub, rest, env, stdio)
	}
	fmt.Fprintf(stdio.Err, "longhaul notify: unknown subcommand %q\n%s\n", sub, notifyUsage)
	return ErrUsage
}

// runWebhooks lists, adds and disables webhook endpoints, as the
// administrator's page does, audited as the system.
func runWebhooks(ctx context.Context, sub string, args []string, env Env, stdio IO) error {
	fs := flags("notify "+sub, strings.SplitN(notifyUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	name := fs.String("name", "", "what receives the events, e.g. the SIEM")
	addr := fs.String("url", "", "the address the events are posted to")
	events := fs.String("events", "", "the kinds of event, comma-separated")
	asUser := fs.String("as-user", "", "the user whose view the endpoint gets: it receives only what they may see")
	id := fs.Int64("id", 0, "the endpoint's id")
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := &notify.Service{Store: store.Notify{DB: db}}
	ctx = access.WithIdentity(ctx, access.System)
	switch sub {
	case "webhooks":
		es, err := db.Endpoints(ctx)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			fmt.Fprintln(stdio.Out, "No webhook endpoints.")
			return nil
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tURL\tEVENTS\tAS USER\tSTATE\tCREATED")
		for _, e := range es {
			state := "active"
			if e.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, e.Name, e.URL, strings.Join(e.Events, ","), e.AsUserName, state, e.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"))
		}
		return tw.Flush()
	case "webhook-add":
		var kinds []string
		for _, k := range strings.Split(*events, ",") {
			if k = strings.TrimSpace(k); k != "" {
				kinds = append(kinds, k)
			}
		}
		e, secret, err := svc.CreateEndpoint(ctx, notify.NewEndpoint{Name: *name, URL: *addr, Events: kinds, AsUser: *asUser})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Webhook %d (%s) posts %s to %s as %s sees it.\nSigning secret (shown once): %s\n", e.ID, e.Name, strings.Join(e.Events, ", "), e.URL, e.AsUserName, secret)
	case "webhook-disable":
		if *id <= 0 {
			fmt.Fprintln(stdio.Err, "longhaul notify webhook-disable: --id is required")
			return ErrUsage
		}
		e, err := svc.DisableEndpoint(ctx, *id)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Webhook %d (%s) disabled: nothing more is posted to %s.\n", e.ID, e.Name, e.URL)
	}
	return nil
}

func runNotifySend(ctx context.Context, args []string, env Env, stdio IO) error {
	fs := flags("notify send", "notify send [--db FILE|URL] [--smtp-addr HOST:PORT --smtp-from ADDRESS] [--public-url URL]", stdio)
	dsn := dbFlag(fs)
	nf := addNotifyFlags(fs)
	if err := parseNoArgs(fs, args, env, stdio); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stdio.Err, nil))
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	w, err := nf.worker(db, log, "localhost:8080")
	if err != nil {
		return err
	}
	if w.Mail == nil {
		fmt.Fprintln(stdio.Err, "longhaul notify: no --smtp-addr: e-mails wait in the outbox")
	}
	n, r, err := notifyPass(access.WithIdentity(ctx, access.System.Named("notify")), &notify.Service{Store: store.Notify{DB: db}}, w)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdio.Out, "%d events raised by the check, %d fanned out to %d deliveries, %d digests; %d sent, %d to retry, %d failed, %d withheld, %d held for a digest\n",
		n, r.Fanned, r.Deliveries, r.Digests, r.Sent, r.Retried, r.Failed, r.Withheld, r.Held)
	return nil
}
