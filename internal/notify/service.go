package notify

import (
	"context"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/text"
)

// Store is what the use cases need of storage.
type Store interface {
	// Transact runs fn in one write transaction.
	Transact(ctx context.Context, fn func(Tx) error) error
	// Facts reads what the periodic check looks at, all of it.
	Facts(ctx context.Context) (Facts, error)
	// UserSettings returns a user's settings, Version 0 when they have none.
	UserSettings(ctx context.Context, userID int64) (Settings, error)
}

// Tx is one write transaction.
type Tx interface {
	Audit(ctx context.Context, r audit.Record) error
	// Settings returns a user's settings, Version 0 when they have none.
	Settings(ctx context.Context, userID int64) (Settings, error)
	SaveSettings(ctx context.Context, s *Settings, version int64) error
	CreateEndpoint(ctx context.Context, e *Endpoint) error
	Endpoint(ctx context.Context, id int64) (Endpoint, error)
	DisableEndpoint(ctx context.Context, id int64) error
	UserByName(ctx context.Context, name string) (access.User, error)
	// Raise writes the events whose key is new and says how many were.
	Raise(ctx context.Context, evs []Event) (int, error)
}

// Endpoint is a webhook endpoint: where events are posted, signed with
// its secret, for the kinds it asks for; it receives only what its user
// (AsUser) may see.
type Endpoint struct {
	ID         int64     `json:"id"`
	Name       string    `json:"name"`
	URL        string    `json:"url"`
	Secret     string    `json:"-"`
	Events     []string  `json:"events"`
	AsUser     int64     `json:"-"`
	AsUserName string    `json:"as_user"`
	Disabled   bool      `json:"disabled"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// NewEndpoint is what an administrator gives for a new endpoint.
type NewEndpoint struct {
	Name   string   `json:"name"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
	AsUser string   `json:"as_user"`
}

// Service holds the use cases of notifications.
type Service struct {
	Store Store
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// CheckEvents checks events as a list of kinds id may ask for.
func CheckEvents(field string, events []string, allowed []Kind) error {
	var errs fault.List
	seen := map[string]bool{}
	for _, e := range events {
		if seen[e] {
			continue
		}
		seen[e] = true
		if !slices.ContainsFunc(allowed, func(k Kind) bool { return k.Name == e }) {
			if _, known := KindOf(e); known {
				errs.Add(field, "%q is not an event you may be notified of", e)
			} else {
				errs.Add(field, "%q is not an event: use %s", e, strings.Join(KindNames(), ", "))
			}
		}
	}
	return errs.Err()
}

// SaveSettings saves the signed-in user's settings, given at version (0
// for the first time).
func (s *Service) SaveSettings(ctx context.Context, in Settings, version int64) (Settings, error) {
	id := access.IdentityFrom(ctx)
	if err := access.Check(id, access.SignedIn); err != nil {
		return in, err
	}
	if id.UserID == 0 {
		return in, fault.Errorf(fault.Forbidden, "%s is not a user with settings", id.Name)
	}
	var errs fault.List
	in.Email = strings.TrimSpace(in.Email)
	if err := text.Line("email", in.Email); err != nil {
		errs.Append("", err)
	} else if in.Email != "" {
		if a, err := mail.ParseAddress(in.Email); err != nil || a.Address != in.Email {
			errs.Add("email", "%q is not an e-mail address: give one like name@example.org", in.Email)
		}
	}
	if in.Mode == "" {
		in.Mode = Immediate
	}
	errs.OneOf("mode", in.Mode, []string{Immediate, Digest})
	if in.Language == "" {
		in.Language = English
	} else if !KnownLanguage(in.Language) {
		errs.Add("language", "%q is not a language the e-mails are written in: use %s", in.Language, languageList())
	}
	errs.Append("", CheckEvents("events", in.Events, KindsFor(id)))
	if len(in.Events) > 0 && in.Email == "" && !errs.Has("email") {
		errs.Add("email", "is required to be notified: give the address the e-mails go to")
	}
	if err := errs.Err(); err != nil {
		return in, err
	}
	var ev []string
	for _, k := range Kinds {
		if slices.Contains(in.Events, k.Name) {
			ev = append(ev, k.Name)
		}
	}
	in.Events, in.UserID = ev, id.UserID
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Settings(ctx, id.UserID)
		if err != nil {
			return err
		}
		// Version 0 is the first save: settings saved since are a conflict.
		if old.Version != version {
			return fault.Errorf(fault.Conflict, "your notification settings were changed elsewhere (version %d, you had %d): reload and try again", old.Version, version)
		}
		if err := tx.SaveSettings(ctx, &in, version); err != nil {
			return err
		}
		var before any
		if old.Version > 0 {
			before = old
		}
		return tx.Audit(ctx, audit.Record{Action: "notify.settings", Entity: "user", EntityID: id.Name, Before: before, After: in})
	})
	return in, err
}

// Settings returns the signed-in user's settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	id := access.IdentityFrom(ctx)
	if err := access.Check(id, access.SignedIn); err != nil {
		return Settings{}, err
	}
	out, err := s.Store.UserSettings(ctx, id.UserID)
	if out.Mode == "" {
		out.Mode = Immediate
	}
	if out.Language == "" {
		out.Language = English
	}
	return out, err
}

// CreateEndpoint adds a webhook endpoint and returns it with its secret,
// which is shown this once.
func (s *Service) CreateEndpoint(ctx context.Context, in NewEndpoint) (Endpoint, string, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.UserAdmin); err != nil {
		return Endpoint{}, "", err
	}
	var errs fault.List
	in.Name, in.URL, in.AsUser = strings.TrimSpace(in.Name), strings.TrimSpace(in.URL), strings.TrimSpace(in.AsUser)
	if err := text.Line("name", in.Name); err != nil {
		errs.Append("", err)
	} else if in.Name == "" {
		errs.Add("name", "is required: say what receives the events")
	} else if len(in.Name) > 100 {
		errs.Add("name", "is longer than 100 characters")
	}
	if u, err := url.Parse(in.URL); in.URL == "" {
		errs.Add("url", "is required: the address the events are posted to")
	} else if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		errs.Add("url", "%q is not an http or https address, e.g. https://siem.example.org/longhaul", in.URL)
	}
	if len(in.Events) == 0 {
		errs.Add("events", "choose at least one event")
	}
	errs.Append("", CheckEvents("events", in.Events, Kinds))
	if in.AsUser == "" {
		errs.Add("as_user", "is required: the endpoint receives only what this user may see")
	}
	if err := errs.Err(); err != nil {
		return Endpoint{}, "", err
	}
	secret := "whsec_" + access.RandomToken(24)
	var e Endpoint
	err := s.Store.Transact(ctx, func(tx Tx) error {
		u, err := tx.UserByName(ctx, in.AsUser)
		if fault.Code(err) == fault.NotFound || (err == nil && u.Disabled) {
			return fault.Field("as_user", "%q is not an active user", in.AsUser)
		}
		if err != nil {
			return err
		}
		var ev []string
		for _, k := range Kinds {
			if slices.Contains(in.Events, k.Name) {
				ev = append(ev, k.Name)
			}
		}
		e = Endpoint{Name: in.Name, URL: in.URL, Secret: secret, Events: ev, AsUser: u.ID, AsUserName: u.Name, CreatedBy: access.ActorName(ctx)}
		if err := tx.CreateEndpoint(ctx, &e); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "webhook.create", Entity: "webhook", EntityID: audit.ID(e.ID), After: e})
	})
	return e, secret, err
}

// DisableEndpoint stops posting to an endpoint; what waits for it is not
// sent.
func (s *Service) DisableEndpoint(ctx context.Context, id int64) (Endpoint, error) {
	if err := access.Check(access.IdentityFrom(ctx), access.UserAdmin); err != nil {
		return Endpoint{}, err
	}
	var e Endpoint
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Endpoint(ctx, id)
		if err != nil {
			return err
		}
		if old.Disabled {
			return fault.Errorf(fault.Conflict, "webhook %d is already disabled", id)
		}
		if err := tx.DisableEndpoint(ctx, id); err != nil {
			return err
		}
		e = old
		e.Disabled = true
		return tx.Audit(ctx, audit.Record{Action: "webhook.disable", Entity: "webhook", EntityID: audit.ID(id), Before: old, After: e})
	})
	return e, err
}

// Check raises the events of what is late or due now (shipments past
// their ETA, remedial actions due, plans waiting for approval), each once,
// in one transaction, and says how many were new.
func (s *Service) Check(ctx context.Context) (int, error) {
	f, err := s.Store.Facts(ctx)
	if err != nil {
		return 0, err
	}
	evs := Due(f, s.now())
	if len(evs) == 0 {
		return 0, nil
	}
	var n int
	err = s.Store.Transact(ctx, func(tx Tx) error {
		var err error
		n, err = tx.Raise(ctx, evs)
		return err
	})
	return n, err
}
