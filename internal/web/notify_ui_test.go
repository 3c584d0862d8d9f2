package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func TestNotificationSettings(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	form := "application/x-www-form-urlencoded"
	page := string(e.do("GET", "/account/notifications", "", "").body)
	for _, want := range []string{`value="plan.ready"`, `value="discrepancy.opened"`, `name="mode" value="immediate" checked`} {
		if !strings.Contains(page, want) {
			t.Errorf("the coordinator's settings page lacks %q", want)
		}
	}
	before := e.fingerprint()
	bad := url.Values{"email": {"coordinator at nsatu"}, "events": {"plan.ready", "pledge.made"}, "mode": {"immediate"}, "version": {"0"}}
	res := e.do("POST", "/account/notifications", form, bad.Encode())
	body := string(res.body)
	if res.status != 422 || !strings.Contains(body, `data-field="email"`) || !strings.Contains(body, `data-field="events"`) ||
		!strings.Contains(body, `value="coordinator at nsatu"`) || !strings.Contains(body, `value="plan.ready" checked`) {
		t.Fatalf("bad settings: %d\n%.3000s", res.status, body)
	}
	if e.fingerprint() != before {
		t.Error("refused settings changed the database")
	}
	good := url.Values{"email": {"coordinator@nsatu.example"}, "events": {"plan.ready", "line.at_risk"}, "mode": {"digest"}, "version": {"0"}}
	if res := e.do("POST", "/account/notifications", form, good.Encode()); res.status != 303 {
		t.Fatalf("settings: %d %.800s", res.status, res.body)
	}
	s := e.do("GET", "/api/v1/account/notifications", "", "").json(t)
	if s["email"] != "coordinator@nsatu.example" || s["mode"] != "digest" || fmt.Sprint(s["events"]) != "[plan.ready line.at_risk]" || s["version"] != float64(1) {
		t.Errorf("the settings read back: %v", s)
	}
	if p := string(e.do("GET", "/account/notifications", "", "").body); !strings.Contains(p, `value="line.at_risk" checked`) || !strings.Contains(p, `value="digest" checked`) {
		t.Error("the page does not show the saved settings")
	}
	if res := e.do("PUT", "/api/v1/account/notifications", "application/json", `{"email":"c@nsatu.example","events":[],"mode":"immediate","version":0}`); res.status != 409 {
		t.Errorf("a stale version: %d %s", res.status, res.body)
	}
	if res := e.do("PUT", "/api/v1/account/notifications", "application/json", `{"email":"c@nsatu.example","events":["shipment.held"],"mode":"hourly","version":1}`); res.status != 422 || !strings.Contains(string(res.body), `"mode"`) {
		t.Errorf("a bad mode: %d %s", res.status, res.body)
	}
	if res := e.do("PUT", "/api/v1/account/notifications", "application/json", `{"email":"c@nsatu.example","events":["shipment.held"],"mode":"immediate","version":1}`); res.status != 200 {
		t.Errorf("settings by the API: %d %s", res.status, res.body)
	}

	// A hub operator is not offered, and may not ask for, plans.
	e.token = siteToken(e, "rze-op", "POL", storetest.SiteHub, access.HubOperator)
	if p := string(e.do("GET", "/account/notifications", "", "").body); strings.Contains(p, `value="plan.ready"`) || !strings.Contains(p, `value="shipment.held"`) {
		t.Error("the hub operator's page offers the wrong events")
	}
	if res := e.do("PUT", "/api/v1/account/notifications", "application/json", `{"email":"op@rze.example","events":["plan.ready"],"version":0}`); res.status != 422 || !strings.Contains(string(res.body), "not an event you may be notified of") {
		t.Errorf("a hub operator asks for plans: %d %s", res.status, res.body)
	}
	e.token = ""
	if res := e.do("GET", "/api/v1/account/notifications", "", ""); res.status != 401 {
		t.Errorf("not signed in: %d", res.status)
	}
}

func TestWebhookPages(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	form := "application/x-www-form-urlencoded"
	if res := e.do("GET", "/admin/webhooks", "", ""); res.status != 403 {
		t.Errorf("a coordinator opens the webhooks: %d", res.status)
	}
	e.user("siem-reader", "DEU", access.Secret, access.Auditor)
	e.token = e.user("root", "DEU", access.Unclassified, access.Admin)
	bad := url.Values{"name": {"SIEM"}, "url": {"ftp://siem.example.org"}, "as_user": {"nobody"}}
	res := e.do("POST", "/admin/webhooks", form, bad.Encode())
	body := string(res.body)
	if res.status != 422 || !strings.Contains(body, `data-field="url"`) || !strings.Contains(body, `data-field="events"`) || !strings.Contains(body, `value="ftp://siem.example.org"`) {
		t.Fatalf("a bad webhook: %d\n%.3000s", res.status, body)
	}
	good := url.Values{"name": {"SIEM"}, "url": {"https://siem.example.org/longhaul"}, "as_user": {"siem-reader"}, "events": {"discrepancy.opened", "shipment.held"}}
	res = e.do("POST", "/admin/webhooks", form, good.Encode())
	body = string(res.body)
	if res.status != 201 || !strings.Contains(body, `id="webhook-secret">whsec_`) {
		t.Fatalf("a webhook: %d\n%.2000s", res.status, body)
	}
	secret := body[strings.Index(body, "whsec_"):]
	secret = secret[:strings.Index(secret, "<")]
	list := string(e.do("GET", "/admin/webhooks", "", "").body)
	if !strings.Contains(list, "https://siem.example.org/longhaul") || strings.Contains(list, secret) || !strings.Contains(list, "siem-reader") {
		t.Errorf("the list shows the webhook without its secret:\n%.2000s", list)
	}
	api := e.do("GET", "/api/v1/webhooks", "", "")
	if api.status != 200 || strings.Contains(string(api.body), secret) || !strings.Contains(string(api.body), `"as_user": "siem-reader"`) {
		t.Errorf("the API's list: %d %s", api.status, api.body)
	}
	created := e.do("POST", "/api/v1/webhooks", "application/json", `{"name":"Archive","url":"http://127.0.0.1:9/hook","events":["plan.ready"],"as_user":"siem-reader"}`)
	if created.status != 201 || !strings.Contains(string(created.body), `"secret": "whsec_`) {
		t.Errorf("a webhook by the API: %d %s", created.status, created.body)
	}
	if res := e.do("POST", "/admin/webhooks/1/disable", form, ""); res.status != 303 {
		t.Errorf("disable: %d", res.status)
	}
	if res := e.do("POST", "/api/v1/webhooks/1/disable", "", ""); res.status != 409 {
		t.Errorf("disable twice: %d %s", res.status, res.body)
	}
	if p := string(e.do("GET", "/admin/webhooks", "", "").body); !strings.Contains(p, "disabled") {
		t.Error("the list does not say the webhook is disabled")
	}
	if res := e.do("GET", "/api/v1/webhooks/deliveries?state=lost", "", ""); res.status != 422 || !strings.Contains(string(res.body), "state") {
		t.Errorf("a bad filter: %d %s", res.status, res.body)
	}
	if res := e.do("GET", "/admin/webhooks?endpoint=x", "", ""); res.status != 422 {
		t.Errorf("a bad endpoint filter: %d", res.status)
	}
	if d := e.do("GET", "/api/v1/webhooks/deliveries?endpoint=1&kind=shipment.held", "", "").json(t); d["total"] != float64(0) {
		t.Errorf("deliveries: %v", d)
	}
}

// TestNotificationLanguage: the settings offer the languages by their own
// names; the form saves the one chosen, which the API reads back; an
// unknown one is refused beside its field, what was sent kept, and
// changes nothing, by the form and by the API.
func TestNotificationLanguage(t *testing.T) {
	e := newAPIEnv(t, storetest.SQLiteDSN(t))
	form := "application/x-www-form-urlencoded"
	if s := e.do("GET", "/api/v1/account/notifications", "", "").json(t); s["language"] != "en" {
		t.Errorf("the language before any save: %v", s["language"])
	}
	page := string(e.do("GET", "/account/notifications", "", "").body)
	for _, want := range []string{`name="language"`, `<option value="en" lang="en" selected>English</option>`, `<option value="fr" lang="fr" >Français</option>`, `<option value="uk" lang="uk" >Українська</option>`} {
		if !strings.Contains(page, want) {
			t.Errorf("the settings page lacks %q", want)
		}
	}
	before := e.fingerprint()
	bad := url.Values{"email": {"coordinator@nsatu.example"}, "events": {"plan.ready"}, "mode": {"digest"}, "language": {"de"}, "version": {"0"}}
	res := e.do("POST", "/account/notifications", form, bad.Encode())
	body := string(res.body)
	if res.status != 422 || !strings.Contains(body, `data-field="language"`) || !strings.Contains(body, `<option value="de" lang="de" selected>de</option>`) ||
		!strings.Contains(body, `value="coordinator@nsatu.example"`) || !strings.Contains(body, `value="digest" checked`) || !strings.Contains(body, "uk (Українська)") {
		t.Fatalf("an unknown language: %d\n%.4000s", res.status, body)
	}
	if strings.Count(body, " selected>") != 1 {
		t.Errorf("the refused page selects more than what was sent:\n%.4000s", body)
	}
	if e.fingerprint() != before {
		t.Error("a refused language changed the database")
	}
	good := url.Values{"email": {"coordinator@nsatu.example"}, "events": {"plan.ready"}, "mode": {"immediate"}, "language": {"uk"}, "version": {"0"}}
	if res := e.do("POST", "/account/notifications", form, good.Encode()); res.status != 303 {
		t.Fatalf("settings in Ukrainian: %d %.800s", res.status, res.body)
	}
	if s := e.do("GET", "/api/v1/account/notifications", "", "").json(t); s["language"] != "uk" || s["version"] != float64(1) {
		t.Errorf("the settings read back: %v", s)
	}
	if p := string(e.do("GET", "/account/notifications", "", "").body); !strings.Contains(p, `<option value="uk" lang="uk" selected>Українська</option>`) {
		t.Error("the page does not show the saved language")
	}
	before = e.fingerprint()
	if res := e.do("PUT", "/api/v1/account/notifications", "application/json", `{"email":"c@nsatu.example","events":["plan.ready"],"mode":"immediate","language":"ua","version":1}`); res.status != 422 ||
		!strings.Contains(string(res.body), `"language"`) || !strings.Contains(string(res.body), `\"ua\"`) {
		t.Errorf("an unknown language by the API: %d %s", res.status, res.body)
	}
	if e.fingerprint() != before {
		t.Error("a refused language by the API changed the database")
	}
	if res := e.do("PUT", "/api/v1/account/notifications", "application/json", `{"email":"c@nsatu.example","events":["plan.ready"],"mode":"immediate","language":"fr","version":1}`); res.status != 200 ||
		!strings.Contains(string(res.body), `"language": "fr"`) {
		t.Errorf("French by the API: %d %s", res.status, res.body)
	}
}
