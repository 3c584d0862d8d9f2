package audit_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/audit"
)

func sample() audit.Event {
	return audit.Event{Seq: 42, At: time.Date(2026, 12, 3, 12, 0, 0, 123456000, time.UTC), Actor: `o"brien]\x`, Action: "pledge.commit",
		Entity: "pledge", EntityID: "7", After: `{"title":"a|b=c\nd"}`, PrevHash: strings.Repeat("a", 64), Hash: strings.Repeat("b", 64)}
}

// TestFrames checks each format of an event: an RFC 5424 header, the
// sequence number and hash as structured data with its escapes, octet
// counting that counts the bytes, CEF's escapes, and JSON that reads back.
func TestFrames(t *testing.T) {
	e := sample()
	o := audit.Origin{Host: "lh 1", Version: "v1|2"}
	for _, c := range []struct {
		name, format string
		resent       bool
		want         []string
	}{
		{"syslog", audit.FormatSyslog, false, []string{"<110>1 2026-12-03T12:00:00.123456Z lh_1 longhaul - audit [longhaul@32473 seq=\"42\" hash=\"" + e.Hash + "\" prev=\"" + e.PrevHash + "\" actor=\"o\\\"brien\\]\\\\x\" action=\"pledge.commit\" entity=\"pledge\" id=\"7\"] \xEF\xBB\xBF{\"seq\":42,"}},
		{"syslog resent", audit.FormatSyslog, true, []string{` id="7" resent="true"] `, `"resent":true}`}},
		{"cef", audit.FormatCEF, false, []string{"<110>1 2026-12-03T12:00:00.123456Z lh_1 longhaul - audit - CEF:0|Longhaul|Longhaul|v1\\|2|pledge.commit|pledge pledge.commit|3|rt=1796299200123 suser=o\"brien]\\\\x act=pledge.commit externalId=42 cs1Label=entity cs1=pledge cs2Label=entityId cs2=7 cs3Label=hash cs3=" + e.Hash}},
		{"cef resent", audit.FormatCEF, true, []string{"cs5Label=resent cs5=true"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			f := string(audit.Frame(c.format, e, o, c.resent, true))
			n, msg, ok := strings.Cut(f, " ")
			if l, err := strconv.Atoi(n); !ok || err != nil || l != len(msg) {
				t.Fatalf("octet count %q for a message of %d bytes", n, len(msg))
			}
			for _, w := range c.want {
				if !strings.Contains(msg, w) {
					t.Errorf("%s\nwant it to hold\n%s", msg, w)
				}
			}
			if strings.Contains(msg, "\n") {
				t.Error("a raw newline in the message")
			}
			if line := audit.Frame(c.format, e, o, c.resent, false); string(line) != msg+"\n" {
				t.Errorf("a file's line is not the message and a newline: %q", line)
			}
		})
	}
	var back struct {
		audit.Event
		Resent bool `json:"resent"`
	}
	line := audit.Frame(audit.FormatJSON, e, o, true, true)
	if err := json.Unmarshal(line, &back); err != nil || back.Seq != 42 || back.Hash != e.Hash || back.After != e.After || !back.Resent || line[len(line)-1] != '\n' {
		t.Fatalf("json: %s %v", line, err)
	}
	if err := audit.CheckFormat("leef"); err == nil || !strings.Contains(err.Error(), "use syslog, cef or json") {
		t.Errorf("an unknown format: %v", err)
	}
	for _, bad := range []string{"udp://x:514", "tcp://siem", "file://", "::"} {
		if _, err := audit.NewTransport(bad, nil); err == nil {
			t.Errorf("sink address %q accepted", bad)
		}
	}
}
