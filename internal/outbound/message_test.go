package outbound

import (
	"bytes"
	"io"
	"mime"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/notify"
)

// TestMessageEncoding: a subject in any language reads back whole from
// its encoded words, in header lines of at most 78 characters; the body
// goes as it is when it is ASCII, 8bit when the server takes 8BITMIME,
// else quoted-printable, and reads back whole every way.
func TestMessageEncoding(t *testing.T) {
	long := strings.Repeat("Рядок 1 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09. ", 4)
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name, subject, body string
		eightBit            bool
		cte                 string
	}{
		{"English", "[Longhaul] Shipment 7 is held", "Shipment 7 is held\n\nOpen it: http://longhaul.test/shipments/7\n", true, "7bit"},
		{"a long English subject", "[Longhaul] Pledge 2 line 1 is at risk: S-00012's ETA, 2026-03-16, is 6 days after the promised 2026-03-10", "Pledge 2\n", false, "7bit"},
		{"French by 8BITMIME", "[Longhaul] Écart 4 ouvert sur l’expédition 12\u00a0: manque de 1\u202f250 unités", "Écart 4\n\nOuvrir\u00a0: http://longhaul.test/\n", true, "8bit"},
		{"French without 8BITMIME", "[Longhaul] Écart 4 ouvert sur l’expédition 12\u00a0: manque de 1\u202f250 unités", "Écart 4\n\nOuvrir\u00a0: http://longhaul.test/\n", false, "quoted-printable"},
		{"Ukrainian", "[Longhaul] Відкрито розбіжність 4 щодо відправлення 12: нестача 3\u00a0од.", "Відкрито розбіжність 4\n", true, "8bit"},
		{"a long Ukrainian subject without 8BITMIME", "[Longhaul] " + long, long + "\n" + long + long + long + long + long + "\n", false, "quoted-printable"},
		{"a line longer than SMTP takes", "s", strings.Repeat("x", 1200) + "\n", true, "quoted-printable"},
	} {
		t.Run(c.name, func(t *testing.T) {
			raw := message("longhaul@example.org", notify.Mail{ID: "7", To: "lo@example.org", Subject: c.subject, Body: c.body, Language: "uk"}, c.eightBit, at)
			head := raw[:bytes.Index(raw, []byte("\r\n\r\n"))]
			for _, line := range strings.Split(string(head), "\r\n") {
				if len(line) > 78 || (strings.Contains(line, "=?") && len(line) > 76) {
					t.Errorf("a header line of %d characters: %q", len(line), line)
				}
				for _, b := range []byte(line) {
					if b >= 0x80 {
						t.Fatalf("a header line not in ASCII: %q", line)
					}
				}
			}
			m, err := mail.ReadMessage(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
			if err != nil || subject != c.subject {
				t.Errorf("subject %q %v\nwant %q", subject, err, c.subject)
			}
			if got := m.Header.Get("Content-Transfer-Encoding"); got != c.cte {
				t.Errorf("Content-Transfer-Encoding %s, want %s", got, c.cte)
			}
			if m.Header.Get("Content-Type") != "text/plain; charset=utf-8" || m.Header.Get("Content-Language") != "uk" {
				t.Errorf("headers %v", m.Header)
			}
			var r io.Reader = m.Body
			if c.cte == "quoted-printable" {
				r = quotedprintable.NewReader(m.Body)
			}
			b, err := io.ReadAll(r)
			if want := strings.ReplaceAll(c.body, "\n", "\r\n"); err != nil || string(b) != want {
				t.Errorf("body %q %v\nwant %q", b, err, want)
			}
			if c.cte != "quoted-printable" {
				for _, line := range strings.Split(string(raw), "\r\n") {
					if len(line) > 998 {
						t.Errorf("a line of %d octets", len(line))
					}
				}
			}
		})
	}
}
