package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/notify"
)

const (
	nbsp       = "\u00a0"
	narrowNbsp = "\u202f"
)

// TestTitlesInEachLanguage: every kind of event is written from its
// params in English, French and Ukrainian, quantities grouped as each
// language groups them; the stored title is the English one with its
// digits ungrouped, as the webhooks have always read it.
func TestTitlesInEachLanguage(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	audit := func(action, entity, id, after string) notify.Event {
		evs := notify.FromAudit(41, action, entity, id, []byte(after))
		if len(evs) != 1 {
			t.Fatalf("%s: events %+v", action, evs)
		}
		return evs[0]
	}
	due := map[string]notify.Event{}
	for _, e := range notify.Due(notify.Facts{
		Shipments: []notify.OpenShipment{{ID: 7, ETA: now.Add(-time.Hour)}},
		Actions:   []notify.OpenAction{{ID: 1, Lesson: 5, Owner: "DEU", Due: "2026-03-13"}, {ID: 3, Lesson: 6, Owner: "NSATU", Due: "2026-03-01"}},
		Plans:     []notify.WaitingPlan{{ID: 8, MadeAt: now.Add(-25 * time.Hour)}},
		Lines:     []notify.OpenLine{{Pledge: 4, Line: 40, No: 1, Promised: "2026-03-09", Outstanding: 1250}, {Pledge: 5, Line: 50, No: 2, Promised: "2026-03-08", Outstanding: 1}},
	}, now) {
		due[e.Key] = e
	}
	for _, c := range []struct {
		name           string
		ev             notify.Event
		stored, en, fr string
		uk             string
	}{
		{"discrepancy", audit("discrepancy.open", "discrepancy", "4", `{"shipment":12,"kind":"short","quantity":1250,"nsn":"1320-12-345-6789"}`),
			"Discrepancy 4 opened on shipment 12: 1250 short of 1320-12-345-6789",
			"Discrepancy 4 opened on shipment 12: 1,250 short of 1320-12-345-6789",
			"Écart 4 ouvert sur l’expédition 12" + nbsp + ": manque de 1" + narrowNbsp + "250 unités (NNO 1320-12-345-6789)",
			"Відкрито розбіжність 4 щодо відправлення 12: нестача 1" + nbsp + "250" + nbsp + "од. (NSN 1320-12-345-6789)"},
		{"one damaged", audit("discrepancy.open", "discrepancy", "5", `{"shipment":12,"kind":"damaged","quantity":1,"nsn":"1320-12-345-6789"}`),
			"Discrepancy 5 opened on shipment 12: 1 damaged of 1320-12-345-6789",
			"Discrepancy 5 opened on shipment 12: 1 damaged of 1320-12-345-6789",
			"Écart 5 ouvert sur l’expédition 12" + nbsp + ": avarie de 1 unité (NNO 1320-12-345-6789)",
			"Відкрито розбіжність 5 щодо відправлення 12: пошкодження 1" + nbsp + "од. (NSN 1320-12-345-6789)"},
		{"shipment held", audit("shipment.hold", "shipment", "7", `{}`),
			"Shipment 7 is held", "Shipment 7 is held", "L’expédition 7 est mise en attente", "Відправлення 7 затримано"},
		{"repair", audit("repair.awaiting_parts", "repair_order", "3", `{"item_name":"Leopard 2A6","serial":"L2-001"}`),
			"Repair order 3 waits for parts (Leopard 2A6 L2-001)", "Repair order 3 waits for parts (Leopard 2A6 L2-001)",
			"L’ordre de réparation 3 attend des pièces (Leopard 2A6 L2-001)", "Наряд на ремонт №" + nbsp + "3 очікує на запчастини (Leopard 2A6 L2-001)"},
		{"plan", audit("plan.create", "plan", "9", `{}`),
			"Plan 9 is ready for approval", "Plan 9 is ready for approval", "Le plan 9 est prêt pour approbation", "План 9 готовий до затвердження"},
		{"at risk by an ETA", audit("pledge.at_risk", "pledge", "2", `{"line_no":1,"reason":"eta","days":6,"shipment":12,"words":"S-00012's ETA, 2026-03-16, is 6 days after the promised 2026-03-10"}`),
			"Pledge 2 line 1 is at risk: S-00012's ETA, 2026-03-16, is 6 days after the promised 2026-03-10",
			"Pledge 2 line 1 is at risk: S-00012's ETA, 2026-03-16, is 6 days after the promised 2026-03-10",
			"La ligne 1 de l’engagement 2 est à risque" + nbsp + ": l’arrivée prévue de l’expédition S-00012 dépasse de 6 jours la date promise",
			"Рядок 1 зобов’язання 2 під загрозою зриву: очікуване прибуття відправлення S-00012 на 6 днів пізніше за обіцяну дату"},
		{"at risk by a forecast of a day", audit("pledge.at_risk", "pledge", "2", `{"line_no":3,"reason":"forecast","days":1,"words":"expected 2026-03-11, 1 day after the promised 2026-03-10"}`),
			"Pledge 2 line 3 is at risk: expected 2026-03-11, 1 day after the promised 2026-03-10",
			"Pledge 2 line 3 is at risk: expected 2026-03-11, 1 day after the promised 2026-03-10",
			"La ligne 3 de l’engagement 2 est à risque" + nbsp + ": la livraison prévue dépasse de 1 jour la date promise",
			"Рядок 3 зобов’язання 2 під загрозою зриву: прогнозована поставка на 1 день пізніше за обіцяну дату"},
		{"at risk by the lead time", audit("pledge.at_risk", "pledge", "2", `{"line_no":2,"reason":"lead_time","days":3,"words":"promised 2026-03-20, in 10 days, with nothing shipped"}`),
			"Pledge 2 line 2 is at risk: promised 2026-03-20, in 10 days, with nothing shipped",
			"Pledge 2 line 2 is at risk: promised 2026-03-20, in 10 days, with nothing shipped",
			"La ligne 2 de l’engagement 2 est à risque" + nbsp + ": rien n’est expédié et le temps restant est inférieur de 3 jours au délai de livraison habituel",
			"Рядок 2 зобов’язання 2 під загрозою зриву: нічого не відвантажено, а часу до обіцяної дати на 3 дні менше за звичайний строк поставки"},
		{"late", due["late:7:"+now.Add(-time.Hour).Format(time.RFC3339)],
			"Shipment 7 is past its ETA of 2026-03-10 11:00 UTC", "Shipment 7 is past its ETA of 2026-03-10 11:00 UTC",
			"L’expédition 7 a dépassé son heure d’arrivée prévue (2026-03-10 11:00 UTC)", "Відправлення 7 запізнюється: очікувалося 2026-03-10 11:00 UTC"},
		{"action due", due["action:1:2026-03-13"],
			"Remedial action 1 of lesson 5 (DEU) is due on 2026-03-13", "Remedial action 1 of lesson 5 (DEU) is due on 2026-03-13",
			"L’action corrective 1 de l’enseignement 5 (DEU) arrive à échéance le 2026-03-13", "Строк виконання коригувальної дії 1 за уроком 5 (DEU) спливає 2026-03-13"},
		{"action overdue", due["action:3:2026-03-01"],
			"Remedial action 3 of lesson 6 (NSATU) was due on 2026-03-01", "Remedial action 3 of lesson 6 (NSATU) was due on 2026-03-01",
			"L’action corrective 3 de l’enseignement 6 (NSATU) est arrivée à échéance le 2026-03-01", "Строк виконання коригувальної дії 3 за уроком 6 (NSATU) минув 2026-03-01"},
		{"line overdue", due["overdue:40:2026-03-09"],
			"Pledge P-00004 line 1 is past its promised date, 2026-03-09, with 1250 units to deliver",
			"Pledge P-00004 line 1 is past its promised date, 2026-03-09, with 1,250 units to deliver",
			"La ligne 1 de l’engagement P-00004 a dépassé sa date promise (2026-03-09)" + nbsp + ": 1" + narrowNbsp + "250 unités restent à livrer",
			"Рядок 1 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09, залишилося поставити 1" + nbsp + "250" + nbsp + "од."},
		{"one unit overdue", due["overdue:50:2026-03-08"],
			"Pledge P-00005 line 2 is past its promised date, 2026-03-08, with 1 unit to deliver",
			"Pledge P-00005 line 2 is past its promised date, 2026-03-08, with 1 unit to deliver",
			"La ligne 2 de l’engagement P-00005 a dépassé sa date promise (2026-03-08)" + nbsp + ": 1 unité reste à livrer",
			"Рядок 2 зобов’язання P-00005 прострочено: обіцяна дата 2026-03-08, залишилося поставити 1" + nbsp + "од."},
		{"approval", due["approval:8"],
			"Plan 8 has waited since 2026-03-09 11:00 UTC for approval", "Plan 8 has waited since 2026-03-09 11:00 UTC for approval",
			"Le plan 8 attend son approbation depuis le 2026-03-09 11:00 UTC", "План 8 очікує на затвердження з 2026-03-09 11:00 UTC"},
		{"kept without params", notify.Event{Kind: notify.ShipmentHeld, Title: "Shipment 7 is held"},
			"Shipment 7 is held", "Shipment 7 is held", "Shipment 7 is held", "Shipment 7 is held"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if c.ev.Title != c.stored {
				t.Errorf("stored title %q, want %q", c.ev.Title, c.stored)
			}
			for lang, want := range map[string]string{notify.English: c.en, notify.French: c.fr, notify.Ukrainian: c.uk, "": c.en} {
				if got := c.ev.TitleIn(lang); got != want {
					t.Errorf("%q: %q\nwant %q", lang, got, want)
				}
			}
		})
	}
}

// polyglot is a fake store with six coordinators who ask for
// discrepancies and overdue lines, one in each language immediately and
// one in each language by digest, and a webhook acting as one of them.
func polyglot(now time.Time) (*fakeStore, *fakeMail, *fakeHooks, *notify.Worker) {
	f := newFake()
	langs := []string{notify.English, notify.French, notify.Ukrainian}
	for i, mode := range []string{notify.Immediate, notify.Digest} {
		for j, lang := range langs {
			id := int64(i*len(langs) + j + 1)
			name := lang + "-" + mode
			f.users = append(f.users, user(id, name, "DEU", access.Coordinator))
			f.settings[id] = notify.Settings{UserID: id, Email: name + "@example.org", Events: []string{notify.DiscrepancyOpened, notify.LineOverdue}, Mode: mode, Language: lang}
			f.visible[name] = []string{"discrepancy:4", "pledge:4"}
		}
	}
	f.endpoints = []notify.Endpoint{{ID: 1, Name: "siem", URL: "https://siem.example.org/hook", Secret: "s3cret", Events: []string{notify.LineOverdue}, AsUser: 2}}
	m, h := &fakeMail{}, &fakeHooks{}
	w := &notify.Worker{Store: f, Mail: m, Hooks: h, BaseURL: "https://longhaul.example.org", Now: func() time.Time { return now }}
	return f, m, h, w
}

// TestMailInTheRecipientsLanguage: a French and a Ukrainian recipient get
// their e-mail, and their digest, in their language, numbers grouped as
// it groups them; an English one gets the e-mail as it always was; an
// event kept without params is sent with its English title inside the
// recipient's language; a webhook reads the English title.
func TestMailInTheRecipientsLanguage(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	f, m, h, w := polyglot(now)
	ev := notify.FromAudit(41, "discrepancy.open", "discrepancy", "4", []byte(`{"shipment":12,"kind":"short","quantity":3,"nsn":"1320-12-345-6789"}`))[0]
	ev.CreatedAt = now
	f.raise(ev)
	ev = notify.Due(notify.Facts{Lines: []notify.OpenLine{{Pledge: 4, Line: 40, No: 1, Promised: "2026-03-09", Outstanding: 1250}}}, now)[0]
	ev.CreatedAt = now.Add(time.Minute)
	f.raise(ev)
	if r, err := w.Pass(context.Background()); err != nil || r.Sent != 7 {
		t.Fatalf("pass %+v %v, want six e-mails and a webhook", r, err)
	}
	mails := map[string][]notify.Mail{}
	for _, x := range m.sent {
		mails[x.To] = append(mails[x.To], x)
	}
	link := "https://longhaul.example.org/discrepancies?shipment=12"
	settings := "https://longhaul.example.org/account/notifications"
	for _, c := range []struct {
		to, lang         string
		subject, overdue string
		body             string // the discrepancy's, whole
	}{
		{"en-immediate@example.org", notify.English,
			"[Longhaul] Discrepancy 4 opened on shipment 12: 3 short of 1320-12-345-6789",
			"[Longhaul] Pledge P-00004 line 1 is past its promised date, 2026-03-09, with 1,250 units to deliver",
			"Discrepancy 4 opened on shipment 12: 3 short of 1320-12-345-6789\n\nOpen it: " + link + "\n\nAt 2026-03-10 12:00 UTC.\n\n" +
				"You receive this because your notification settings ask for: a discrepancy is opened.\nChange them at " + settings + "\n"},
		{"fr-immediate@example.org", notify.French,
			"[Longhaul] Écart 4 ouvert sur l’expédition 12" + nbsp + ": manque de 3 unités (NNO 1320-12-345-6789)",
			"[Longhaul] La ligne 1 de l’engagement P-00004 a dépassé sa date promise (2026-03-09)" + nbsp + ": 1" + narrowNbsp + "250 unités restent à livrer",
			"Écart 4 ouvert sur l’expédition 12" + nbsp + ": manque de 3 unités (NNO 1320-12-345-6789)\n\nOuvrir" + nbsp + ": " + link + "\n\nLe 2026-03-10 à 12:00 UTC.\n\n" +
				"Vous recevez ce message parce que vos paramètres de notification prévoient" + nbsp + ": un écart est ouvert.\nPour les modifier" + nbsp + ": " + settings + "\n"},
		{"uk-immediate@example.org", notify.Ukrainian,
			"[Longhaul] Відкрито розбіжність 4 щодо відправлення 12: нестача 3" + nbsp + "од. (NSN 1320-12-345-6789)",
			"[Longhaul] Рядок 1 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09, залишилося поставити 1" + nbsp + "250" + nbsp + "од.",
			"Відкрито розбіжність 4 щодо відправлення 12: нестача 3" + nbsp + "од. (NSN 1320-12-345-6789)\n\nВідкрити: " + link + "\n\nЧас події: 2026-03-10 12:00 UTC.\n\n" +
				"Ви отримали цей лист, оскільки у ваших налаштуваннях сповіщень вибрано: відкрито розбіжність.\nЗмінити їх можна тут: " + settings + "\n"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			got := mails[c.to]
			if len(got) != 2 {
				t.Fatalf("mails %+v, want two", got)
			}
			if got[0].Subject != c.subject || got[0].Body != c.body || got[0].Language != c.lang {
				t.Errorf("the discrepancy's mail:\n%q\n%q\n%s\nwant\n%q\n%q", got[0].Subject, got[0].Body, got[0].Language, c.subject, c.body)
			}
			if got[1].Subject != c.overdue {
				t.Errorf("the overdue line's subject %q\nwant %q", got[1].Subject, c.overdue)
			}
		})
	}
	var hook notify.HookBody
	if len(h.got) != 1 || json.Unmarshal(h.got[0].Body, &hook) != nil || hook.Title != "Pledge P-00004 line 1 is past its promised date, 2026-03-09, with 1250 units to deliver" {
		t.Errorf("the webhook reads %+v, want the stored English title", hook)
	}

	// The next morning each digest user gets one digest in their language.
	w.Now = func() time.Time { return now.Add(20 * time.Hour) }
	if r, err := w.Pass(context.Background()); err != nil || r.Digests != 3 || r.Sent != 3 {
		t.Fatalf("the next morning: %+v %v", r, err)
	}
	digests := map[string]notify.Mail{}
	for _, x := range m.sent[6:] {
		digests[x.To] = x
	}
	for _, c := range []struct{ to, subject, head, line, foot string }{
		{"en-digest@example.org", "[Longhaul] Daily digest: 2 notifications", "What happened that your notification settings ask for:\n\n",
			"- 2026-03-10 12:01 UTC  Pledge P-00004 line 1 is past its promised date, 2026-03-09, with 1,250 units to deliver\n  https://longhaul.example.org/pledges/4\n",
			"\nChange your settings at " + settings + "\n"},
		{"fr-digest@example.org", "[Longhaul] Résumé quotidien" + nbsp + ": 2 notifications", "Voici les événements correspondant à vos paramètres de notification" + nbsp + ":\n\n",
			"- 2026-03-10 12:00 UTC  Écart 4 ouvert sur l’expédition 12" + nbsp + ": manque de 3 unités (NNO 1320-12-345-6789)\n  " + link + "\n",
			"\nPour modifier vos paramètres" + nbsp + ": " + settings + "\n"},
		{"uk-digest@example.org", "[Longhaul] Щоденний підсумок: 2 сповіщення", "Ось що сталося відповідно до ваших налаштувань сповіщень:\n\n",
			"- 2026-03-10 12:01 UTC  Рядок 1 зобов’язання P-00004 прострочено: обіцяна дата 2026-03-09, залишилося поставити 1" + nbsp + "250" + nbsp + "од.\n",
			"\nЗмінити налаштування: " + settings + "\n"},
	} {
		d, ok := digests[c.to]
		if !ok {
			t.Errorf("no digest to %s", c.to)
			continue
		}
		if d.Subject != c.subject || !strings.HasPrefix(d.Body, c.head) || !strings.Contains(d.Body, c.line) || !strings.HasSuffix(d.Body, c.foot) {
			t.Errorf("the digest to %s:\n%q\n%s", c.to, d.Subject, d.Body)
		}
	}
}

// TestOldEventsAndRedeliveries: an event kept before params were is sent
// with its stored English title, the rest of the e-mail in the
// recipient's language; a redelivery's first line is in it too; a
// recipient who changes language gets the next attempt in the new one.
func TestOldEventsAndRedeliveries(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	clock := now
	f, m, _, w := polyglot(now)
	w.Now = func() time.Time { return clock }
	for id := range f.settings {
		if s := f.settings[id]; s.Email != "uk-immediate@example.org" {
			f.settings[id] = notify.Settings{}
		}
	}
	f.endpoints = nil
	f.raise(notify.Event{Key: "old", Kind: notify.DiscrepancyOpened, Entity: "discrepancy", EntityID: "4", Title: "Discrepancy 4 opened on shipment 12: 3 short of 1320-12-345-6789",
		Link: "/discrepancies?shipment=12", CreatedAt: now})
	m.fail = []notify.Result{{Err: "timeout", Unknown: true}, {Err: "timeout", Unknown: true}}
	w.Pass(context.Background())
	clock = clock.Add(31 * time.Second)
	w.Pass(context.Background())
	// The recipient switches to French before the third attempt.
	s := f.settings[3]
	s.Language = notify.French
	f.settings[3] = s
	clock = clock.Add(61 * time.Second)
	if r, _ := w.Pass(context.Background()); r.Sent != 1 || len(m.sent) != 1 {
		t.Fatalf("third attempt %+v, sent %+v", r, m.sent)
	}
	got := m.sent[0]
	if got.Subject != "[Longhaul] Discrepancy 4 opened on shipment 12: 3 short of 1320-12-345-6789" || !got.Redelivery || got.Language != notify.French ||
		!strings.HasPrefix(got.Body, "(Ce message est peut-être le doublon d’une notification déjà envoyée"+nbsp+": sa remise n’a pas pu être confirmée.)\n\nDiscrepancy 4 opened") ||
		!strings.Contains(got.Body, "prévoient"+nbsp+": un écart est ouvert.") {
		t.Errorf("the old event's redelivery:\n%q\n%s", got.Subject, got.Body)
	}
}
