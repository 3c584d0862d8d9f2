package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/readiness"
	"github.com/longhaul/longhaul/internal/training"
)

func (s *Server) readinessPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/readiness", access.ReadinessRead, s.uiReadiness)
	add("GET", "/readiness/new", access.ReadinessWrite, s.uiPackageNew)
	add("POST", "/readiness", access.ReadinessWrite, s.uiCreatePackage)
	add("GET", "/readiness/{id}", access.ReadinessRead, s.uiPackage)
	add("GET", "/readiness/{id}/edit", access.ReadinessWrite, s.uiPackageEdit)
	add("POST", "/readiness/{id}", access.ReadinessWrite, s.uiUpdatePackage)
}

func (s *Server) readinessAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/readiness", access.ReadinessRead, s.apiReadiness)
	add("POST", "/api/v1/readiness", access.ReadinessWrite, s.apiCreatePackage)
	add("GET", "/api/v1/readiness/{id}", access.ReadinessRead, s.apiPackage)
	add("POST", "/api/v1/readiness/{id}", access.ReadinessWrite, s.apiUpdatePackage)
}

// highest is the highest marking of the assessments.
func highest(as []readiness.Assessment) access.Classification {
	m := access.Unclassified
	for _, a := range as {
		m = max(m, a.Marking)
	}
	return m
}

type readinessView struct {
	Packages  []readiness.Assessment
	Complete  int // packages with every wanted system ready
	Unplanned int // packages with a gap no dated plan closes
}

func (s *Server) uiReadiness(w http.ResponseWriter, r *http.Request) error {
	as, err := s.Readiness.AssessAll(r.Context(), s.today())
	if err != nil {
		return err
	}
	v := readinessView{Packages: as}
	for _, a := range as {
		if a.Complete {
			v.Complete++
		}
		if a.Unplanned {
			v.Unplanned++
		}
	}
	return s.page(w, r, 200, "readiness", "Readiness", v, highest(as))
}

func (s *Server) uiPackage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.Readiness.Assess(r.Context(), id, s.today())
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "readiness_package", a.Package.Ref()+" "+a.Package.Name, a, a.Marking)
}

// elementRow is an element as the form holds it, as typed.
type elementRow struct {
	Kind, Target, Quantity, Label string
}

// packageFormInput is the package form as typed, kept to show it again.
type packageFormInput struct {
	Name, Capability, Wanted, Notes, Classification string
	ReleasableTo                                    []string
	Elements                                        []elementRow
}

type packageFormView struct {
	ID              int64
	Ref             string
	Version         int64
	In              packageFormInput
	Errors          formErrors
	Kinds           []string
	Capabilities    []string
	Classifications []access.Classification
	Items           []catalog.Item
	Groups          []string
	Courses         []training.Offer
}

// formRows is how many element rows the package form shows beyond those
// filled in.
const formRows = 4

func (s *Server) packageForm(w http.ResponseWriter, r *http.Request, status int, in packageFormInput, errs formErrors, existing readiness.Package) error {
	ctx := r.Context()
	items, err := s.Read.Catalog.AllItems(ctx, catalog.ItemFilter{})
	if err != nil {
		return err
	}
	groups, err := s.Read.Catalog.Groups(ctx)
	if err != nil {
		return err
	}
	courses, err := s.Read.Training.Courses(ctx)
	if err != nil {
		return err
	}
	v := packageFormView{In: in, Errors: errs, Kinds: readiness.Kinds, Capabilities: catalog.CapabilityAreas, Classifications: access.Classifications(),
		Items: items, Groups: groups, Courses: courses}
	for i := 0; i < formRows; i++ {
		v.In.Elements = append(v.In.Elements, elementRow{})
	}
	title := "Define a capability package"
	if existing.ID != 0 {
		v.ID, v.Ref, v.Version = existing.ID, existing.Ref(), existing.Version
		title = "Edit " + existing.Ref()
	}
	return s.page(w, r, status, "readiness_form", title, v, existing.Classification)
}

// packageInputOf is a stored package as the form shows it.
func packageInputOf(p readiness.Package) packageFormInput {
	in := packageFormInput{Name: p.Name, Capability: p.Capability, Wanted: strconv.FormatInt(p.Wanted, 10), Notes: p.Notes,
		Classification: p.Classification.String(), ReleasableTo: p.ReleasableTo}
	for _, e := range p.Elements {
		in.Elements = append(in.Elements, elementRow{Kind: e.Kind, Target: e.Target, Quantity: strconv.FormatInt(e.Quantity, 10), Label: e.Label})
	}
	return in
}

// packageFromForm reads the package form: blank element rows are left
// out, and what does not parse as a number is said at its field.
func packageFromForm(f url.Values) (packageFormInput, readiness.Package, error) {
	var errs fault.List
	in := packageFormInput{Name: f.Get("name"), Capability: f.Get("capability"), Wanted: f.Get("wanted"), Notes: f.Get("notes"),
		Classification: f.Get("classification"), ReleasableTo: releasable(f)}
	p := readiness.Package{Name: in.Name, Capability: in.Capability, Notes: in.Notes}
	p.Marking = marking(&errs, in.Classification, in.ReleasableTo)
	number := func(field, v string) int64 {
		v = strings.TrimSpace(v)
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			errs.Add(field, "%q is not a whole number", v)
		}
		return n
	}
	p.Wanted = number("wanted", in.Wanted)
	at := func(name string, i int) string {
		if vs := f[name]; i < len(vs) {
			return vs[i]
		}
		return ""
	}
	for i := range f["element_kind"] {
		row := elementRow{Kind: at("element_kind", i), Target: at("element_target", i), Quantity: at("element_quantity", i), Label: at("element_label", i)}
		if strings.TrimSpace(row.Target+row.Quantity+row.Label) == "" {
			continue
		}
		n := len(in.Elements)
		in.Elements = append(in.Elements, row)
		p.Elements = append(p.Elements, readiness.Element{Kind: row.Kind, Target: row.Target, Label: row.Label,
			Quantity: number(fmt.Sprintf("elements[%d].quantity", n), row.Quantity)})
	}
	return in, p, errs.Err()
}

func (s *Server) uiPackageNew(w http.ResponseWriter, r *http.Request) error {
	return s.packageForm(w, r, 200, packageFormInput{Wanted: "1", Classification: access.Restricted.String()}, nil, readiness.Package{})
}

func (s *Server) uiPackageEdit(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	p, err := s.Readiness.Package(r.Context(), id)
	if err != nil {
		return err
	}
	return s.packageForm(w, r, 200, packageInputOf(p), nil, p)
}

func (s *Server) uiCreatePackage(w http.ResponseWriter, r *http.Request) error {
	return s.savePackage(w, r, readiness.Package{})
}

func (s *Server) uiUpdatePackage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	existing, err := s.Readiness.Package(r.Context(), id)
	if err != nil {
		return err
	}
	return s.savePackage(w, r, existing)
}

// savePackage defines a package from the form, or changes existing when
// it has an id; a refusal shows the form again with every problem.
func (s *Server) savePackage(w http.ResponseWriter, r *http.Request, existing readiness.Package) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	in, p, err := packageFromForm(r.PostForm)
	switch {
	case err != nil:
		// Every problem in one round: what did not parse, and what the use
		// case finds in the rest.
		err = fault.Also(err, s.Readiness.Check(r.Context(), p))
	case existing.ID == 0:
		p, err = s.Readiness.Create(r.Context(), p)
	default:
		version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
		p, err = s.Readiness.Update(r.Context(), existing.ID, version, p)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.packageForm(w, r, statusFor(err), in, fe, existing)
		}
		return err
	}
	key := "package-defined"
	if existing.ID != 0 {
		key = "package-saved"
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/readiness/%d", p.ID), key, p.Ref()), http.StatusSeeOther)
	return nil
}

// packageInput is a package as the API takes it.
type packageInput struct {
	Name           string              `json:"name"`
	Capability     string              `json:"capability"`
	Wanted         int64               `json:"wanted"`
	Notes          string              `json:"notes"`
	Classification string              `json:"classification"`
	ReleasableTo   []string            `json:"releasable_to"`
	Elements       []readiness.Element `json:"elements"`
}

func (in packageInput) pkg() (readiness.Package, error) {
	var errs fault.List
	p := readiness.Package{Name: in.Name, Capability: in.Capability, Wanted: in.Wanted, Notes: in.Notes, Elements: in.Elements}
	p.Marking = marking(&errs, in.Classification, in.ReleasableTo)
	return p, errs.Err()
}

// readinessList is the readiness of every package the caller may see.
type readinessList struct {
	Items []readiness.Assessment `json:"items"`
	Total int                    `json:"total"`
}

func (s *Server) apiReadiness(w http.ResponseWriter, r *http.Request) error {
	as, err := s.Readiness.AssessAll(r.Context(), s.today())
	if err != nil {
		return err
	}
	w.Header().Set("X-Classification", highest(as).String())
	return writeJSON(w, 200, readinessList{Items: as, Total: len(as)})
}

// writeAssessment answers with the readiness of package id.
func (s *Server) writeAssessment(w http.ResponseWriter, r *http.Request, status int, id int64) error {
	a, err := s.Readiness.Assess(r.Context(), id, s.today())
	if err != nil {
		return err
	}
	setETag(w, a.Package.Version)
	w.Header().Set("X-Classification", a.Marking.String())
	return writeJSON(w, status, a)
}

func (s *Server) apiPackage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	return s.writeAssessment(w, r, 200, id)
}

func (s *Server) apiCreatePackage(w http.ResponseWriter, r *http.Request) error {
	var in packageInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	p, err := in.pkg()
	if err != nil {
		return fault.Also(err, s.Readiness.Check(r.Context(), p))
	}
	if p, err = s.Readiness.Create(r.Context(), p); err != nil {
		return err
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/readiness/%d", p.ID))
	return s.writeAssessment(w, r, 201, p.ID)
}

func (s *Server) apiUpdatePackage(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	version, err := ifMatch(r)
	if err != nil {
		return err
	}
	var in packageInput
	keep, err := decodeEdit(w, r, &in)
	if err != nil {
		return err
	}
	p, err := in.pkg()
	if err != nil {
		return fault.Also(err, s.Readiness.Check(r.Context(), p))
	}
	if _, err := s.Readiness.Update(r.Context(), id, version, p, keep...); err != nil {
		return err
	}
	return s.writeAssessment(w, r, 200, id)
}
