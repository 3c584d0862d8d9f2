package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
)

type accountView struct {
	Now     time.Time
	Me      me
	Tokens  any
	Created *createdToken
	Errors  formErrors
	Names   names
}

func (s *Server) account(w http.ResponseWriter, r *http.Request, status int, created *createdToken, errs formErrors) error {
	id := access.IdentityFrom(r.Context())
	ts, err := s.Read.Users.Tokens(r.Context(), id.UserID)
	if err != nil {
		return err
	}
	nm, err := s.readNames(r.Context(), nationNames)
	if err != nil {
		return err
	}
	return s.page(w, r, status, "account", "Your account", accountView{s.Now(), whoAmI(id), ts, created, errs, nm}, access.Unclassified)
}

func (s *Server) uiAccount(w http.ResponseWriter, r *http.Request) error {
	return s.account(w, r, 200, nil, nil)
}

func (s *Server) uiCreateToken(w http.ResponseWriter, r *http.Request) error {
	t, err := s.createToken(r, tokenInput{Name: r.FormValue("name"), Expires: r.FormValue("expires")})
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.account(w, r, statusFor(err), nil, fe)
		}
		return err
	}
	return s.account(w, r, 201, &t, nil)
}

func (s *Server) uiChangePassword(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	me := access.IdentityFrom(r.Context())
	err := s.Access.ChangeOwnPassword(r.Context(), me.Name, r.PostForm.Get("current_password"), r.PostForm.Get("new_password"))
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.account(w, r, statusFor(err), nil, fe)
		}
		return err
	}
	clearSessionCookie(w, r)
	http.Redirect(w, r, withNotice("/signin", "password-changed"), http.StatusSeeOther)
	return nil
}

func (s *Server) uiRevokeToken(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	if _, err := s.Access.RevokeToken(r.Context(), id); err != nil {
		return err
	}
	http.Redirect(w, r, withNotice("/account", "token-revoked"), http.StatusSeeOther)
	return nil
}

type usersView struct {
	Users           any
	In              userInput
	Errors          formErrors
	Roles           []access.Role
	Classifications []access.Classification
	Password        string // a generated password, shown once
	Names           names
	Factors         map[string]string // by user name: what second factors they have
}

// factorWords says what second factors f shows, as the users' list does.
func factorWords(f access.FactorSummary) string {
	var parts []string
	switch f.TOTP {
	case "active":
		parts = append(parts, fmt.Sprintf("codes (%d recovery left)", f.RecoveryCodesLeft))
	case "enrolling":
		parts = append(parts, "codes being set up")
	}
	if n := f.PasskeysUsable; n > 0 {
		parts = append(parts, fmt.Sprintf("%d passkey%s", n, plural(n)))
	}
	out := strings.Join(parts, ", ")
	if out == "" {
		out = "none"
		if f.Required {
			out = "none: required by the role"
		}
	}
	if other := len(f.Passkeys) - f.PasskeysUsable; other > 0 {
		out += fmt.Sprintf("; %d passkey%s of another site, not usable here", other, plural(other))
	}
	return out
}

func (s *Server) users(w http.ResponseWriter, r *http.Request, status int, in userInput, errs formErrors, password string) error {
	users, err := s.Read.Users.Users(r.Context())
	if err != nil {
		return err
	}
	nm, err := s.readNames(r.Context(), siteNames|nationNames)
	if err != nil {
		return err
	}
	factors := map[string]string{}
	for _, u := range users {
		f, err := s.Access.FactorSummaryOf(r.Context(), u.Name)
		if err != nil {
			return err
		}
		factors[u.Name] = factorWords(f)
	}
	return s.page(w, r, status, "users", "Users", usersView{users, in, errs, access.Roles, access.Classifications(), password, nm, factors}, access.Unclassified)
}

func (s *Server) uiUsers(w http.ResponseWriter, r *http.Request) error {
	return s.users(w, r, 200, userInput{Clearance: access.Restricted.String()}, nil, "")
}

func (s *Server) uiCreateUser(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	in := userInput{Name: f.Get("name"), DisplayName: f.Get("display_name"), Nation: f.Get("nation"), Roles: f["roles"], Clearance: f.Get("clearance"), Site: f.Get("site")}
	generated := ""
	in.Password = f.Get("password")
	if strings.TrimSpace(in.Password) == "" {
		generated = access.RandomToken(15)
		in.Password = generated
	}
	rs, cl, err := in.parse()
	if err == nil {
		_, err = s.Access.CreateUser(r.Context(), access.NewUser{Name: in.Name, DisplayName: in.DisplayName, Nation: in.Nation, Roles: rs, Clearance: cl, Site: in.Site, Password: in.Password})
	}
	in.Password = ""
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.users(w, r, statusFor(err), in, fe, "")
		}
		return err
	}
	return s.users(w, r, 201, userInput{Clearance: access.Restricted.String()}, nil, generated)
}

func (s *Server) uiUpdateUser(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	name := r.PathValue("name")
	u, err := s.Access.UpdateUser(r.Context(), name, f.Get("do"), func(u *access.User) error {
		switch f.Get("do") {
		case "disable":
			u.Disabled = true
		case "enable":
			u.Disabled = false
		case "roles":
			rs, err := access.ParseRoles(strings.Join(f["roles"], ","))
			if err != nil {
				return err
			}
			cl, err := access.ParseClassification(f.Get("clearance"))
			if err != nil {
				return err
			}
			u.Roles, u.Clearance = rs, cl
			u.Site = strings.ToUpper(strings.TrimSpace(f.Get("site")))
		default:
			return fault.Field("do", "say disable, enable or roles")
		}
		return nil
	})
	if err != nil {
		return err // shown as the page of the refusal, saying why
	}
	http.Redirect(w, r, withNotice("/admin/users", "user-updated", u.Name), http.StatusSeeOther)
	return nil
}
