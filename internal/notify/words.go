package notify

import (
	"cmp"
	"fmt"
	"strings"
)

// Params are what an event's title is made of. They are kept with the
// event so that each e-mail tells it in its recipient's language when it
// is sent; the stored Title is the English one, for the delivery log and
// the webhooks.
type Params struct {
	// ID is the record the title names, as it writes it ("7", "P-00004").
	ID       string `json:"id"`
	Shipment int64  `json:"shipment,omitempty"` // a discrepancy's shipment, or the late shipment that puts a line at risk
	Lesson   string `json:"lesson,omitempty"`   // a remedial action's lesson
	Line     int    `json:"line,omitempty"`     // a pledge line's number
	Kind     string `json:"kind,omitempty"`     // a discrepancy's: short, damaged, lost or surplus
	Quantity int64  `json:"quantity,omitempty"` // a discrepancy's, or what a line has left to deliver
	NSN      string `json:"nsn,omitempty"`
	Item     string `json:"item,omitempty"`   // a repair order's item name and serial
	Owner    string `json:"owner,omitempty"`  // who owns a remedial action
	Reason   string `json:"reason,omitempty"` // why a line is at risk: eta, forecast or lead_time
	Days     int    `json:"days,omitempty"`   // by how many days
	Words    string `json:"words,omitempty"`  // why a line is at risk, in English
	Date     string `json:"date,omitempty"`   // YYYY-MM-DD
	Time     string `json:"time,omitempty"`   // YYYY-MM-DD hh:mm, UTC
	Past     bool   `json:"past,omitempty"`   // the date has passed
}

// TitleIn is ev's title in the language lang: written from its params,
// or, for an event kept before its params were, its stored English title.
func (ev Event) TitleIn(lang string) string {
	if ev.Params == nil {
		return ev.Title
	}
	if t := writerOf(lang).title(ev.Kind, *ev.Params); t != "" {
		return t
	}
	return ev.Title
}

// storedTitle is the title an event is stored with: English, its numbers
// written without grouping as the webhooks have always received them.
func storedTitle(kind string, p Params) string {
	w := english
	w.sep = ""
	return w.title(kind, p)
}

// writer writes notifications in one language.
type writer struct {
	lang string
	sep  string // between groups of three digits
	// titles writes an event's title from its params ("" for a kind it
	// does not know); kinds names each kind in a sentence's place.
	titles func(w writer, kind string, p Params) string
	kinds  map[string]string
	// The e-mail's words: mail writes one event's body (title, link, the
	// date and time, the kind and the settings' link); digestSubject the
	// digest's subject after "[Longhaul] "; digestHead and digestFoot
	// (with the settings' link) frame the digest's list; redelivery is the
	// first line of an e-mail that may repeat one sent before.
	mail          func(title, link, date, clock, kind, settings string) string
	digestSubject func(w writer, n int) string
	digestHead    string
	digestFoot    string
	redelivery    string
}

func writerOf(lang string) writer {
	switch lang {
	case French:
		return french
	case Ukrainian:
		return ukrainian
	}
	return english
}

func (w writer) title(kind string, p Params) string { return w.titles(w, kind, p) }

// num writes a quantity as the language groups its digits.
func (w writer) num(n int64) string { return group(n, w.sep) }

// kind names kind for the sentence "your settings ask for: …".
func (w writer) kind(kind string) string {
	if s, ok := w.kinds[kind]; ok {
		return lowerFirst(s)
	}
	if k, ok := KindOf(kind); ok {
		return lowerFirst(k.Title)
	}
	return kind
}

// nbsp is the no-break space French puts before a colon.
const nbsp = "\u00a0"

var english = writer{
	lang: English, sep: ",", titles: titleEN,
	mail: func(title, link, date, clock, kind, settings string) string {
		return title + "\n\nOpen it: " + link + "\n\nAt " + date + " " + clock + " UTC.\n\n" +
			"You receive this because your notification settings ask for: " + kind + ".\nChange them at " + settings + "\n"
	},
	digestSubject: func(w writer, n int) string {
		return "Daily digest: " + w.num(int64(n)) + " " + pluralEN(int64(n), "notification", "notifications")
	},
	digestHead: "What happened that your notification settings ask for:",
	digestFoot: "Change your settings at ",
	redelivery: "(This may repeat a notification sent before: its delivery could not be confirmed.)",
}

func titleEN(w writer, kind string, p Params) string {
	switch kind {
	case DiscrepancyOpened:
		t := fmt.Sprintf("Discrepancy %s opened on shipment %d", p.ID, p.Shipment)
		if p.Kind != "" {
			t += fmt.Sprintf(": %s %s of %s", w.num(p.Quantity), p.Kind, p.NSN)
		}
		return t
	case ShipmentHeld:
		return "Shipment " + p.ID + " is held"
	case RepairAwaitingParts:
		return "Repair order " + p.ID + " waits for parts" + parens(p.Item)
	case PlanReady:
		return "Plan " + p.ID + " is ready for approval"
	case LineAtRisk:
		t := fmt.Sprintf("Pledge %s line %d is at risk", p.ID, p.Line)
		if p.Words != "" {
			t += ": " + p.Words
		}
		return t
	case ShipmentLate:
		return "Shipment " + p.ID + " is past its ETA of " + p.Time + " UTC"
	case LessonActionDue:
		word := "is due on "
		if p.Past {
			word = "was due on "
		}
		return fmt.Sprintf("Remedial action %s of lesson %s (%s) %s%s", p.ID, p.Lesson, p.Owner, word, p.Date)
	case LineOverdue:
		return fmt.Sprintf("Pledge %s line %d is past its promised date, %s, with %s %s to deliver", p.ID, p.Line, p.Date, w.num(p.Quantity), pluralEN(p.Quantity, "unit", "units"))
	case ApprovalDue:
		return "Plan " + p.ID + " has waited since " + p.Time + " UTC for approval"
	}
	return ""
}

var french = writer{
	lang: French, sep: "\u202f", titles: titleFR,
	kinds: map[string]string{
		DiscrepancyOpened:   "Un écart est ouvert",
		ShipmentHeld:        "Une expédition est mise en attente",
		ShipmentLate:        "Une expédition a dépassé son heure d’arrivée prévue",
		RepairAwaitingParts: "Un ordre de réparation attend des pièces",
		PlanReady:           "Un plan est prêt pour approbation",
		ApprovalDue:         "Un plan attend son approbation depuis un jour",
		LineAtRisk:          "Une ligne d’engagement est signalée à risque",
		LineOverdue:         "Une ligne d’engagement a dépassé sa date promise",
		LessonActionDue:     "L’action corrective d’un enseignement arrive à échéance",
	},
	mail: func(title, link, date, clock, kind, settings string) string {
		return title + "\n\nOuvrir" + nbsp + ": " + link + "\n\nLe " + date + " à " + clock + " UTC.\n\n" +
			"Vous recevez ce message parce que vos paramètres de notification prévoient" + nbsp + ": " + kind + ".\nPour les modifier" + nbsp + ": " + settings + "\n"
	},
	digestSubject: func(w writer, n int) string {
		return "Résumé quotidien" + nbsp + ": " + w.num(int64(n)) + " " + pluralFR(int64(n), "notification", "notifications")
	},
	digestHead: "Voici les événements correspondant à vos paramètres de notification" + nbsp + ":",
	digestFoot: "Pour modifier vos paramètres" + nbsp + ": ",
	redelivery: "(Ce message est peut-être le doublon d’une notification déjà envoyée" + nbsp + ": sa remise n’a pas pu être confirmée.)",
}

// discrepancyFR names each kind of discrepancy as a noun: "manque de 3
// unités".
var discrepancyFR = map[string]string{"short": "manque", "damaged": "avarie", "lost": "perte", "surplus": "excédent"}

func titleFR(w writer, kind string, p Params) string {
	days := func() string { return w.num(int64(p.Days)) + " " + pluralFR(int64(p.Days), "jour", "jours") }
	switch kind {
	case DiscrepancyOpened:
		t := fmt.Sprintf("Écart %s ouvert sur l’expédition %d", p.ID, p.Shipment)
		if p.Kind != "" {
			t += nbsp + ": " + cmp.Or(discrepancyFR[p.Kind], p.Kind) + " de " + w.num(p.Quantity) + " " + pluralFR(p.Quantity, "unité", "unités")
			if p.NSN != "" {
				t += " (NNO " + p.NSN + ")"
			}
		}
		return t
	case ShipmentHeld:
		return "L’expédition " + p.ID + " est mise en attente"
	case RepairAwaitingParts:
		return "L’ordre de réparation " + p.ID + " attend des pièces" + parens(p.Item)
	case PlanReady:
		return "Le plan " + p.ID + " est prêt pour approbation"
	case LineAtRisk:
		t := fmt.Sprintf("La ligne %d de l’engagement %s est à risque", p.Line, p.ID)
		switch {
		case p.Reason == "eta" && p.Shipment != 0:
			t += nbsp + ": l’arrivée prévue de l’expédition " + fmt.Sprintf("S-%05d", p.Shipment) + " dépasse de " + days() + " la date promise"
		case p.Reason == "eta":
			t += nbsp + ": l’arrivée prévue d’une expédition dépasse de " + days() + " la date promise"
		case p.Reason == "forecast":
			t += nbsp + ": la livraison prévue dépasse de " + days() + " la date promise"
		case p.Reason == "lead_time":
			t += nbsp + ": rien n’est expédié et le temps restant est inférieur de " + days() + " au délai de livraison habituel"
		}
		return t
	case ShipmentLate:
		return "L’expédition " + p.ID + " a dépassé son heure d’arrivée prévue (" + p.Time + " UTC)"
	case LessonActionDue:
		word := "arrive à échéance le "
		if p.Past {
			word = "est arrivée à échéance le "
		}
		return fmt.Sprintf("L’action corrective %s de l’enseignement %s (%s) %s%s", p.ID, p.Lesson, p.Owner, word, p.Date)
	case LineOverdue:
		return fmt.Sprintf("La ligne %d de l’engagement %s a dépassé sa date promise (%s)"+nbsp+": %s %s", p.Line, p.ID, p.Date, w.num(p.Quantity),
			pluralFR(p.Quantity, "unité reste à livrer", "unités restent à livrer"))
	case ApprovalDue:
		return "Le plan " + p.ID + " attend son approbation depuis le " + p.Time + " UTC"
	}
	return ""
}

var ukrainian = writer{
	lang: Ukrainian, sep: "\u00a0", titles: titleUK,
	kinds: map[string]string{
		DiscrepancyOpened:   "Відкрито розбіжність",
		ShipmentHeld:        "Відправлення затримано",
		ShipmentLate:        "Відправлення запізнюється",
		RepairAwaitingParts: "Наряд на ремонт очікує на запчастини",
		PlanReady:           "План готовий до затвердження",
		ApprovalDue:         "План очікує на затвердження понад добу",
		LineAtRisk:          "Рядок зобов’язання під загрозою зриву",
		LineOverdue:         "Рядок зобов’язання прострочено",
		LessonActionDue:     "Настає строк виконання коригувальної дії за уроком",
	},
	mail: func(title, link, date, clock, kind, settings string) string {
		return title + "\n\nВідкрити: " + link + "\n\nЧас події: " + date + " " + clock + " UTC.\n\n" +
			"Ви отримали цей лист, оскільки у ваших налаштуваннях сповіщень вибрано: " + kind + ".\nЗмінити їх можна тут: " + settings + "\n"
	},
	digestSubject: func(w writer, n int) string {
		return "Щоденний підсумок: " + w.num(int64(n)) + " " + pluralUK(int64(n), "сповіщення", "сповіщення", "сповіщень")
	},
	digestHead: "Ось що сталося відповідно до ваших налаштувань сповіщень:",
	digestFoot: "Змінити налаштування: ",
	redelivery: "(Можливо, це повтор уже надісланого сповіщення: його доставку не вдалося підтвердити.)",
}

// discrepancyUK names each kind of discrepancy as a noun: "нестача
// 3 од.".
var discrepancyUK = map[string]string{"short": "нестача", "damaged": "пошкодження", "lost": "втрата", "surplus": "надлишок"}

func titleUK(w writer, kind string, p Params) string {
	days := func() string {
		return w.num(int64(p.Days)) + " " + pluralUK(int64(p.Days), "день", "дні", "днів")
	}
	switch kind {
	case DiscrepancyOpened:
		t := fmt.Sprintf("Відкрито розбіжність %s щодо відправлення %d", p.ID, p.Shipment)
		if p.Kind != "" {
			t += ": " + cmp.Or(discrepancyUK[p.Kind], p.Kind) + " " + w.num(p.Quantity) + nbsp + "од."
			if p.NSN != "" {
				t += " (NSN " + p.NSN + ")"
			}
		}
		return t
	case ShipmentHeld:
		return "Відправлення " + p.ID + " затримано"
	case RepairAwaitingParts:
		return "Наряд на ремонт №" + nbsp + p.ID + " очікує на запчастини" + parens(p.Item)
	case PlanReady:
		return "План " + p.ID + " готовий до затвердження"
	case LineAtRisk:
		t := fmt.Sprintf("Рядок %d зобов’язання %s під загрозою зриву", p.Line, p.ID)
		switch {
		case p.Reason == "eta" && p.Shipment != 0:
			t += ": очікуване прибуття відправлення " + fmt.Sprintf("S-%05d", p.Shipment) + " на " + days() + " пізніше за обіцяну дату"
		case p.Reason == "eta":
			t += ": очікуване прибуття відправлення на " + days() + " пізніше за обіцяну дату"
		case p.Reason == "forecast":
			t += ": прогнозована поставка на " + days() + " пізніше за обіцяну дату"
		case p.Reason == "lead_time":
			t += ": нічого не відвантажено, а часу до обіцяної дати на " + days() + " менше за звичайний строк поставки"
		}
		return t
	case ShipmentLate:
		return "Відправлення " + p.ID + " запізнюється: очікувалося " + p.Time + " UTC"
	case LessonActionDue:
		if p.Past {
			return fmt.Sprintf("Строк виконання коригувальної дії %s за уроком %s (%s) минув %s", p.ID, p.Lesson, p.Owner, p.Date)
		}
		return fmt.Sprintf("Строк виконання коригувальної дії %s за уроком %s (%s) спливає %s", p.ID, p.Lesson, p.Owner, p.Date)
	case LineOverdue:
		return fmt.Sprintf("Рядок %d зобов’язання %s прострочено: обіцяна дата %s, залишилося поставити %s"+nbsp+"од.", p.Line, p.ID, p.Date, w.num(p.Quantity))
	case ApprovalDue:
		return "План " + p.ID + " очікує на затвердження з " + p.Time + " UTC"
	}
	return ""
}

// parens is " (s)", or nothing for an empty s.
func parens(s string) string {
	if s = strings.TrimSpace(s); s == "" {
		return ""
	}
	return " (" + s + ")"
}
