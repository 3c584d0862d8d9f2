package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/notify"
)

// NotifyReader reads the webhook endpoints and their delivery log.
type NotifyReader interface {
	Endpoints(ctx context.Context) ([]notify.Endpoint, error)
	Deliveries(ctx context.Context, f notify.DeliveryFilter, o list.Options) (list.Page[notify.Delivery], error)
	Attempts(ctx context.Context, delivery int64) ([]notify.Attempt, error)
}

func (s *Server) notifyRoutes(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/account/notifications", access.SignedIn, s.uiNotifySettings)
	add("POST", "/account/notifications", access.SignedIn, s.uiSaveNotifySettings)
	add("GET", "/admin/webhooks", access.UserAdmin, s.uiWebhooks)
	add("POST", "/admin/webhooks", access.UserAdmin, s.uiCreateWebhook)
	add("POST", "/admin/webhooks/{id}/disable", access.UserAdmin, s.uiDisableWebhook)
}

func (s *Server) notifyAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/account/notifications", access.SignedIn, s.apiNotifySettings)
	add("PUT", "/api/v1/account/notifications", access.SignedIn, s.apiSaveNotifySettings)
	add("GET", "/api/v1/webhooks", access.UserAdmin, s.apiWebhooks)
	add("POST", "/api/v1/webhooks", access.UserAdmin, s.apiCreateWebhook)
	add("POST", "/api/v1/webhooks/{id}/disable", access.UserAdmin, s.apiDisableWebhook)
	add("GET", "/api/v1/webhooks/deliveries", access.UserAdmin, s.apiWebhookDeliveries)
	add("GET", "/api/v1/webhooks/attempts", access.UserAdmin, s.apiWebhookAttempts)
}

// settingsInput is the settings as the API and the form send them.
type settingsInput struct {
	Email    string   `json:"email"`
	Events   []string `json:"events"`
	Mode     string   `json:"mode"`
	Language string   `json:"language"`
	Version  int64    `json:"version"`
}

func (in settingsInput) settings() notify.Settings {
	return notify.Settings{Email: in.Email, Events: in.Events, Mode: in.Mode, Language: in.Language}
}

type notifySettingsView struct {
	In        settingsInput
	Kinds     []notify.Kind
	Languages []notify.Language
	Errors    formErrors
}

func (s *Server) notifySettingsPage(w http.ResponseWriter, r *http.Request, status int, in *settingsInput, errs formErrors) error {
	v := notifySettingsView{Kinds: notify.KindsFor(access.IdentityFrom(r.Context())), Languages: notify.Languages, Errors: errs}
	if in != nil {
		v.In = *in
	} else {
		cur, err := s.Notify.Settings(r.Context())
		if err != nil {
			return err
		}
		v.In = settingsInput{Email: cur.Email, Events: cur.Events, Mode: cur.Mode, Language: cur.Language, Version: cur.Version}
	}
	if v.In.Language != "" && !notify.KnownLanguage(v.In.Language) {
		// A refused language stays chosen beside its error, as it came.
		v.Languages = append(slices.Clip(v.Languages), notify.Language{Code: v.In.Language, Name: v.In.Language})
	}
	return s.page(w, r, status, "notifications", "Notifications", v, access.Unclassified)
}

func (s *Server) uiNotifySettings(w http.ResponseWriter, r *http.Request) error {
	return s.notifySettingsPage(w, r, 200, nil, nil)
}

func (s *Server) uiSaveNotifySettings(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := settingsInput{Email: f.Get("email"), Events: f["events"], Mode: f.Get("mode"), Language: f.Get("language")}
	version, err := strconv.ParseInt(f.Get("version"), 10, 64)
	if err != nil {
		version = 0
	}
	in.Version = version
	if _, err := s.Notify.SaveSettings(r.Context(), in.settings(), version); err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.notifySettingsPage(w, r, statusFor(err), &in, fe)
		}
		return err
	}
	http.Redirect(w, r, withNotice("/account/notifications", "notifications-saved"), http.StatusSeeOther)
	return nil
}

func (s *Server) apiNotifySettings(w http.ResponseWriter, r *http.Request) error {
	cur, err := s.Notify.Settings(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, cur)
}

func (s *Server) apiSaveNotifySettings(w http.ResponseWriter, r *http.Request) error {
	var in settingsInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	out, err := s.Notify.SaveSettings(r.Context(), in.settings(), in.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, out)
}

type webhooksView struct {
	list.Page[notify.Delivery]
	Endpoints []notify.Endpoint
	Kinds     []notify.Kind
	States    []string
	In        notify.NewEndpoint
	Errors    formErrors
	Created   *notify.Endpoint
	Secret    string // the new endpoint's secret, shown once
}

func deliveryFilter(r *http.Request) (notify.DeliveryFilter, error) {
	q := r.URL.Query()
	f := notify.DeliveryFilter{State: q.Get("state"), Kind: q.Get("kind")}
	if e := q.Get("endpoint"); e != "" {
		id, err := strconv.ParseInt(e, 10, 64)
		if err != nil || id <= 0 {
			return f, fault.Field("endpoint", "%q is not a webhook id", e)
		}
		f.Endpoint = id
	}
	return f, nil
}

func (s *Server) webhooksPage(w http.ResponseWriter, r *http.Request, status int, v webhooksView) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	f, err := deliveryFilter(r)
	if err != nil {
		return err
	}
	if v.Page, err = s.Read.Notify.Deliveries(r.Context(), f, o); err != nil {
		return err
	}
	if v.Endpoints, err = s.Read.Notify.Endpoints(r.Context()); err != nil {
		return err
	}
	v.Kinds, v.States = notify.Kinds, notify.States
	return s.page(w, r, status, "webhooks", "Webhooks", v, access.Unclassified)
}

func (s *Server) uiWebhooks(w http.ResponseWriter, r *http.Request) error {
	return s.webhooksPage(w, r, 200, webhooksView{})
}

func (s *Server) uiCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := notify.NewEndpoint{Name: f.Get("name"), URL: f.Get("url"), Events: f["events"], AsUser: f.Get("as_user")}
	e, secret, err := s.Notify.CreateEndpoint(r.Context(), in)
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.webhooksPage(w, r, statusFor(err), webhooksView{In: in, Errors: fe})
		}
		return err
	}
	return s.webhooksPage(w, r, 201, webhooksView{Created: &e, Secret: secret})
}

func (s *Server) uiDisableWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.Notify.DisableEndpoint(r.Context(), id); err != nil {
		return err // shown as the page of the refusal, saying why
	}
	http.Redirect(w, r, withNotice("/admin/webhooks", "webhook-disabled", id), http.StatusSeeOther)
	return nil
}

func (s *Server) apiWebhooks(w http.ResponseWriter, r *http.Request) error {
	es, err := s.Read.Notify.Endpoints(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, itemsOf(es))
}

// items is a list without pages.
type items[T any] struct {
	Items []T `json:"items"`
	Total int `json:"total"`
}

func itemsOf[T any](xs []T) items[T] { return items[T]{Items: xs, Total: len(xs)} }

// createdEndpoint is a new endpoint with its secret, shown this once.
type createdEndpoint struct {
	notify.Endpoint
	Secret string `json:"secret"`
}

func (s *Server) apiCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	var in notify.NewEndpoint
	if err := decode(w, r, &in); err != nil {
		return err
	}
	e, secret, err := s.Notify.CreateEndpoint(r.Context(), in)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, createdEndpoint{e, secret})
}

func (s *Server) apiDisableWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	e, err := s.Notify.DisableEndpoint(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, e)
}

func (s *Server) apiWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	f, err := deliveryFilter(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Notify.Deliveries(r.Context(), f, o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (s *Server) apiWebhookAttempts(w http.ResponseWriter, r *http.Request) error {
	d := r.URL.Query().Get("delivery")
	id, err := strconv.ParseInt(d, 10, 64)
	if d == "" {
		return fault.Field("delivery", "is required: the delivery whose attempts to list")
	} else if err != nil || id <= 0 {
		return fault.Field("delivery", "%q is not a delivery id", d)
	}
	as, err := s.Read.Notify.Attempts(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, itemsOf(as))
}
