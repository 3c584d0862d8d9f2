// Package outbound owns Longhaul's network senders: e-mail by SMTP (with
// STARTTLS) and signed webhook posts. Each says of an attempt whether it
// was delivered, refused, or may have arrived (the connection broke after
// the message was handed over), which is what the notification worker
// needs to deliver at least once and mark a resend as a redelivery.
//
// It imports nothing of ours but notify.
package outbound

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net"
	"net/http"
	"net/smtp"
	"net/textproto"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/longhaul/longhaul/internal/notify"
)

// STARTTLS modes.
const (
	Required      = "required"
	Opportunistic = "opportunistic"
	Off           = "off"
)

// SMTP sends e-mail through one server.
type SMTP struct {
	Addr     string // host:port
	From     string
	User     string
	Password string
	StartTLS string // required (the default), opportunistic or off
	// RootCAs are the authorities trusted for the server's certificate;
	// nil for the system's.
	RootCAs *x509.CertPool
	Timeout time.Duration
}

// LoadCA reads a PEM file of certificate authorities.
func LoadCA(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(b) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return p, nil
}

// Send sends m. Everything before the server accepts the message's data
// is a refusal (nothing arrived); a failure after the data went out is
// Unknown.
func (s *SMTP) Send(ctx context.Context, m notify.Mail) notify.Result {
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	d := net.Dialer{Timeout: timeout}
	conn, err := d.DialContext(ctx, "tcp", s.Addr)
	if err != nil {
		return notify.Result{Err: "connect: " + err.Error()}
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	host, _, _ := net.SplitHostPort(s.Addr)
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return notify.Result{Err: "greeting: " + err.Error()}
	}
	defer c.Close()
	if err := c.Hello("longhaul"); err != nil {
		return notify.Result{Err: "hello: " + err.Error()}
	}
	mode := s.StartTLS
	if mode == "" {
		mode = Required
	}
	if mode != Off {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(&tls.Config{ServerName: host, RootCAs: s.RootCAs, MinVersion: tls.VersionTLS12}); err != nil {
				return notify.Result{Err: "starttls: " + err.Error()}
			}
		} else if mode == Required {
			return notify.Result{Err: "the server does not offer STARTTLS, which --smtp-starttls=required asks for"}
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, host)); err != nil {
			return notify.Result{Err: "auth: " + err.Error()}
		}
	}
	// net/smtp asks for BODY=8BITMIME itself when the server offers it.
	eightBit, _ := c.Extension("8BITMIME")
	if err := c.Mail(s.From); err != nil {
		return notify.Result{Err: "mail from: " + err.Error(), Status: code(err)}
	}
	if err := c.Rcpt(m.To); err != nil {
		return notify.Result{Err: "rcpt to: " + err.Error(), Status: code(err)}
	}
	w, err := c.Data()
	if err != nil {
		return notify.Result{Err: "data: " + err.Error(), Status: code(err)}
	}
	if _, err := w.Write(message(s.From, m, eightBit, time.Now())); err != nil {
		return notify.Result{Err: "write: " + err.Error(), Unknown: true}
	}
	if err := w.Close(); err != nil {
		// A reply refusing the data says nothing arrived; a broken
		// connection leaves it unknown.
		if c := code(err); c > 0 {
			return notify.Result{Err: "data: " + err.Error(), Status: c}
		}
		return notify.Result{Err: "data: " + err.Error(), Unknown: true}
	}
	c.Quit()
	return notify.Result{OK: true, Status: 250}
}

// code is the SMTP reply code of err, 0 when it is not a reply.
func code(err error) int {
	var pe *textproto.Error
	if errors.As(err, &pe) {
		return pe.Code
	}
	return 0
}

// message is m as an RFC 5322 message at now, in UTF-8: a subject that
// is not plain ASCII as RFC 2047 encoded words, the headers in lines of at
// most 78 characters, and the body as it is when it is ASCII, 8bit when
// the server offers 8BITMIME, else quoted-printable.
func message(from string, m notify.Mail, eightBit bool, now time.Time) []byte {
	var b bytes.Buffer
	h := func(k, v string) { b.WriteString(header(k, v)) }
	h("From", from)
	h("To", m.To)
	h("Subject", m.Subject)
	h("Date", now.UTC().Format(time.RFC1123Z))
	h("Message-ID", "<longhaul-delivery-"+m.ID+"@"+domain(from)+">")
	h("MIME-Version", "1.0")
	h("Content-Type", "text/plain; charset=utf-8")
	if m.Language != "" {
		h("Content-Language", m.Language)
	}
	body := strings.ReplaceAll(strings.ReplaceAll(m.Body, "\r\n", "\n"), "\n", "\r\n")
	cte := transferEncoding(body, eightBit)
	h("Content-Transfer-Encoding", cte)
	h("X-Longhaul-Delivery", m.ID)
	if m.Redelivery {
		h("X-Longhaul-Redelivery", "true")
	}
	b.WriteString("\r\n")
	if cte == "quoted-printable" {
		q := quotedprintable.NewWriter(&b)
		q.Write([]byte(body))
		q.Close()
	} else {
		b.WriteString(body)
	}
	return b.Bytes()
}

// header writes the header k: v in lines of at most 78 characters. A v of
// printable ASCII goes as it is, folded before a space where a line would
// be longer; any other as RFC 2047 encoded words (B, UTF-8), one a line,
// the first sized to fit beside k, so that every line keeps within the 76
// characters RFC 2047 allows and no character is split between words
// (the reader joins the words without the folds).
func header(k, v string) string {
	var b strings.Builder
	b.WriteString(k + ":")
	if printable(v) {
		n := len(k) + 1
		for i, w := range strings.Split(v, " ") {
			if i > 0 && n+1+len(w) > 78 {
				b.WriteString("\r\n")
				n = 0
			}
			b.WriteString(" " + w)
			n += 1 + len(w)
		}
		b.WriteString("\r\n")
		return b.String()
	}
	const open, end = "=?utf-8?b?", "?="
	room := 76 - len(k) - 2 // beside "k: "
	for v != "" {
		fit := (room - len(open) - len(end)) / 4 * 3 // octets a word holds
		n := 0
		for n < len(v) {
			_, size := utf8.DecodeRuneInString(v[n:])
			if n+size > fit && n > 0 {
				break
			}
			n += size
		}
		b.WriteString(" " + open + base64.StdEncoding.EncodeToString([]byte(v[:n])) + end + "\r\n")
		v, room = v[n:], 75
	}
	return b.String()
}

// printable reports whether v is printable ASCII, which a header carries
// as it is.
func printable(v string) bool {
	for i := 0; i < len(v); i++ {
		if v[i] < ' ' || v[i] > '~' {
			return false
		}
	}
	return true
}

// transferEncoding is how body (in CRLF lines) is sent: 7bit when it is
// ASCII in lines SMTP takes (998 octets at most), 8bit when it is not
// ASCII and the server offers 8BITMIME, else quoted-printable.
func transferEncoding(body string, eightBit bool) string {
	ascii := true
	for _, line := range strings.Split(body, "\r\n") {
		if len(line) > 998 {
			return "quoted-printable"
		}
		for i := 0; i < len(line) && ascii; i++ {
			ascii = line[i] < 0x80 && line[i] != 0 && line[i] != '\r'
		}
	}
	switch {
	case ascii:
		return "7bit"
	case eightBit:
		return "8bit"
	}
	return "quoted-printable"
}

func domain(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return strings.Trim(addr[i+1:], "> ")
	}
	return "longhaul"
}

// Webhooks posts signed webhooks.
type Webhooks struct {
	Client *http.Client
	Now    func() time.Time
}

// Signature headers. The signature is HMAC-SHA256, keyed by the
// endpoint's secret, over the timestamp (Unix seconds), a dot and the body.
const (
	TimestampHeader  = "Longhaul-Timestamp"
	SignatureHeader  = "Longhaul-Signature"
	DeliveryHeader   = "Longhaul-Delivery"
	RedeliveryHeader = "Longhaul-Redelivery"
)

// Sign returns the signature of body at timestamp ts with secret, as the
// signature header carries it ("sha256=" and the hex).
func Sign(secret, ts string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(ts))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Post posts h. A 2xx answer delivers it; any other answer refuses it; no
// answer after the request went out is Unknown.
func (wh *Webhooks) Post(ctx context.Context, h notify.Hook) notify.Result {
	now := time.Now
	if wh.Now != nil {
		now = wh.Now
	}
	client := wh.Client
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(h.Body))
	if err != nil {
		return notify.Result{Err: err.Error()}
	}
	ts := strconv.FormatInt(now().Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Longhaul-Webhooks")
	req.Header.Set(TimestampHeader, ts)
	req.Header.Set(SignatureHeader, Sign(h.Secret, ts, h.Body))
	req.Header.Set(DeliveryHeader, h.ID)
	if h.Redelivery {
		req.Header.Set(RedeliveryHeader, "true")
	}
	resp, err := client.Do(req)
	if err != nil {
		var op *net.OpError
		refused := errors.As(err, &op) && op.Op == "dial"
		return notify.Result{Err: err.Error(), Unknown: !refused}
	}
	defer resp.Body.Close()
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 == 2 {
		return notify.Result{OK: true, Status: resp.StatusCode}
	}
	return notify.Result{Status: resp.StatusCode, Err: resp.Status}
}
