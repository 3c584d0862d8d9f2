package audit

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Formats in which events go to a SIEM.
const (
	FormatSyslog = "syslog" // RFC 5424, the event in structured data and as JSON
	FormatCEF    = "cef"    // ArcSight Common Event Format, as a syslog message
	FormatJSON   = "json"   // one JSON object a line
)

// CheckFormat returns an error naming the formats for anything else.
func CheckFormat(f string) error {
	switch f {
	case FormatSyslog, FormatCEF, FormatJSON:
		return nil
	}
	return fmt.Errorf("audit format %q: use syslog, cef or json", f)
}

// SDID is the structured-data element that carries an event in a syslog
// message. 32473 is the enterprise number RFC 5612 sets aside for
// documentation; an organisation with its own replaces it in its SIEM's
// parser, not here.
const SDID = "longhaul@32473"

// Origin is who sends a message: the host and the application's version.
type Origin struct {
	Host    string
	Version string
}

// sendEvent is an event as the SIEM receives it: the event, and whether it
// may have been sent before (after a connection broke before its receipt
// was known).
type sendEvent struct {
	Event
	Resent bool `json:"resent,omitempty"`
}

// JSONLine is e as one line of JSON, with its newline.
func JSONLine(e Event, resent bool) []byte {
	b, _ := json.Marshal(sendEvent{e, resent})
	return append(b, '\n')
}

// syslogHeader is the header of an RFC 5424 message: facility 13 (log
// audit), severity 6 (informational), the event's time, host, app name,
// no process id, and the message id.
func syslogHeader(e Event, o Origin, msgID string) string {
	return "<110>1 " + e.At.UTC().Format(TimeLayout) + " " + printable(o.Host, 255) + " longhaul - " + printable(msgID, 32) + " "
}

// printable makes s a header field of RFC 5424: printable US-ASCII without
// spaces, at most n characters, "-" when empty.
func printable(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		if r > 32 && r < 127 {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
		if b.Len() == n {
			break
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// sdEscape escapes a structured-data parameter value (RFC 5424 6.3.3).
var sdEscape = strings.NewReplacer(`\`, `\\`, `"`, `\"`, `]`, `\]`)

// Syslog is e as an RFC 5424 message: its sequence number, hash, previous
// hash, actor, action and entity as parameters of the SDID element, and
// the whole event as JSON, UTF-8 with its byte order mark, as the message.
func Syslog(e Event, o Origin, resent bool) []byte {
	var b strings.Builder
	b.WriteString(syslogHeader(e, o, "audit"))
	b.WriteString("[" + SDID)
	params := [][2]string{{"seq", strconv.FormatInt(e.Seq, 10)}, {"hash", e.Hash}, {"prev", e.PrevHash},
		{"actor", e.Actor}, {"action", e.Action}, {"entity", e.Entity}, {"id", e.EntityID}}
	if resent {
		params = append(params, [2]string{"resent", "true"})
	}
	for _, p := range params {
		b.WriteString(" " + p[0] + `="` + sdEscape.Replace(p[1]) + `"`)
	}
	b.WriteString("] \xEF\xBB\xBF")
	j := JSONLine(e, resent)
	b.Write(j[:len(j)-1])
	return []byte(b.String())
}

var (
	cefHeaderEscape = strings.NewReplacer(`\`, `\\`, `|`, `\|`, "\r", " ", "\n", " ")
	cefExtEscape    = strings.NewReplacer(`\`, `\\`, `=`, `\=`, "\r", `\r`, "\n", `\n`)
)

// CEF is e in the Common Event Format: the action as the signature, the
// time (rt, milliseconds), actor (suser), sequence number (externalId), and
// the entity, its id, the hash and the previous hash in cs1 to cs4, with
// cs5 saying resent=true when the event may have been sent before.
func CEF(e Event, o Origin, resent bool) string {
	h := []string{"CEF:0", "Longhaul", "Longhaul", o.Version, e.Action, e.Entity + " " + e.Action, "3"}
	for i := 1; i < len(h); i++ {
		h[i] = cefHeaderEscape.Replace(h[i])
	}
	ext := [][2]string{
		{"rt", strconv.FormatInt(e.At.UnixMilli(), 10)}, {"suser", e.Actor}, {"act", e.Action}, {"externalId", strconv.FormatInt(e.Seq, 10)},
		{"cs1Label", "entity"}, {"cs1", e.Entity}, {"cs2Label", "entityId"}, {"cs2", e.EntityID},
		{"cs3Label", "hash"}, {"cs3", e.Hash}, {"cs4Label", "prevHash"}, {"cs4", e.PrevHash},
	}
	if resent {
		ext = append(ext, [2]string{"cs5Label", "resent"}, [2]string{"cs5", "true"})
	}
	parts := make([]string, len(ext))
	for i, kv := range ext {
		parts[i] = kv[0] + "=" + cefExtEscape.Replace(kv[1])
	}
	return strings.Join(h, "|") + "|" + strings.Join(parts, " ")
}

// CEFSyslog is the CEF of e as the message of an RFC 5424 syslog message.
func CEFSyslog(e Event, o Origin, resent bool) []byte {
	return []byte(syslogHeader(e, o, "audit") + "- " + CEF(e, o, resent))
}

// Frame is e in format, framed for a stream: a syslog message (syslog or
// CEF) with octet counting (RFC 6587 3.4.1, "LEN SP MSG"), JSON as a line.
// For a file (stream false) every format is one line.
func Frame(format string, e Event, o Origin, resent, stream bool) []byte {
	var msg []byte
	switch format {
	case FormatJSON:
		return JSONLine(e, resent)
	case FormatCEF:
		msg = CEFSyslog(e, o, resent)
	default:
		msg = Syslog(e, o, resent)
	}
	if !stream {
		return append(msg, '\n')
	}
	return append([]byte(strconv.Itoa(len(msg))+" "), msg...)
}
