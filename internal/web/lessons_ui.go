package web

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/report"
)

func (s *Server) lessonPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/lessons", access.LessonRead, s.uiLessons)
	add("POST", "/lessons", access.LessonSubmit, s.uiSubmitLesson)
	add("GET", "/lessons/{id}", access.LessonRead, s.uiLesson)
	add("POST", "/lessons/{id}/step", access.LessonAnalyse, s.uiLessonStep)
	add("POST", "/lessons/{id}/actions", access.LessonAnalyse, s.uiLessonAction)
	add("POST", "/lessons/{id}/actions/{action}/done", access.LessonAnalyse, s.uiLessonActionDone)
	add("POST", "/lessons/{id}/links", access.LessonAnalyse, s.uiLessonLink)
}

func (s *Server) lessonAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/lessons", access.LessonRead, s.apiLessons)
	add("POST", "/api/v1/lessons", access.LessonSubmit, s.apiSubmitLesson)
	add("GET", "/api/v1/lessons/similar", access.LessonRead, s.apiSimilarLessons)
	add("GET", "/api/v1/lessons/overdue", access.LessonRead, s.apiOverdueActions)
	add("GET", "/api/v1/lessons/digest", access.LessonRead, s.apiDigest)
	add("GET", "/api/v1/lessons/{id}", access.LessonRead, s.apiLesson)
	add("POST", "/api/v1/lessons/{id}/step", access.LessonAnalyse, s.apiLessonStep)
	add("POST", "/api/v1/lessons/{id}/actions", access.LessonAnalyse, s.apiLessonAction)
	add("POST", "/api/v1/lessons/{id}/actions/{action}/done", access.LessonAnalyse, s.apiLessonActionDone)
	add("POST", "/api/v1/lessons/{id}/links", access.LessonAnalyse, s.apiLessonLink)
}

func lessonFilter(r *http.Request) (lessons.Filter, error) {
	q := r.URL.Query()
	f := lessons.Filter{Q: q.Get("q"), Capability: q.Get("capability"), System: q.Get("system"), State: q.Get("state"), From: q.Get("from"), To: q.Get("to")}
	return f, f.Check()
}

type lessonsView struct {
	list.Page[lessons.Lesson]
	// Names name the owners of the overdue actions.
	Names    names
	Times    lessons.LearningTimes
	States   []string
	Overdue  []lessons.OverdueAction
	In       lessons.Lesson
	Systems  string
	Similar  []lessons.Lesson
	Checked  bool
	Errors   formErrors
	Marking  access.Classification
	Classes  []access.Classification
	Capables []string
}

func (s *Server) lessonsPage(w http.ResponseWriter, r *http.Request, status int, v lessonsView) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	f, err := lessonFilter(r)
	if err != nil {
		return err
	}
	if v.Page, err = s.Read.Lessons.SearchLessons(r.Context(), f, o); err != nil {
		return err
	}
	if v.Overdue, err = s.Read.Lessons.OverdueActions(r.Context(), s.Now()); err != nil {
		return err
	}
	if v.Names, err = s.readNames(r.Context(), siteNames|nationNames); err != nil {
		return err
	}
	if v.Times, err = s.Read.Lessons.LearningTimes(r.Context()); err != nil {
		return err
	}
	v.States, v.Classes = lessons.States, access.Classifications()
	if v.In.When == "" {
		v.In.When = s.today()
	}
	for _, l := range v.Items {
		v.Marking = max(v.Marking, l.Classification)
	}
	for _, l := range v.Similar {
		v.Marking = max(v.Marking, l.Classification)
	}
	for _, a := range v.Overdue {
		v.Marking = max(v.Marking, a.Classification)
	}
	return s.page(w, r, status, "lessons", "Lessons learned", v, v.Marking)
}

func (s *Server) uiLessons(w http.ResponseWriter, r *http.Request) error {
	return s.lessonsPage(w, r, 200, lessonsView{})
}

func lessonFromForm(f url.Values) (lessons.Lesson, string, error) {
	var errs fault.List
	l := lessons.Lesson{Title: f.Get("title"), Observed: f.Get("observation"), Where: f.Get("where"), When: f.Get("observed_on"), Source: f.Get("source"), Capability: f.Get("capability")}
	systems := f.Get("systems")
	for _, s := range strings.FieldsFunc(systems, func(r rune) bool { return r == ',' || r == ' ' }) {
		l.Systems = append(l.Systems, s)
	}
	l.Marking = marking(&errs, f.Get("classification"), releasable(f))
	return l, systems, errs.Err()
}

// uiSubmitLesson checks for similar lessons first: the form is shown again
// with them, and only a second submission, after they were seen, records
// the observation.
func (s *Server) uiSubmitLesson(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	l, systems, err := lessonFromForm(r.PostForm)
	if err == nil && r.PostForm.Get("checked") == "" {
		similar, err := s.Read.Lessons.SimilarLessons(r.Context(), l.Title+" "+l.Observed, 5)
		if err != nil {
			return err
		}
		if len(similar) > 0 {
			return s.lessonsPage(w, r, 200, lessonsView{In: l, Systems: systems, Similar: similar, Checked: true})
		}
	}
	if err == nil {
		l, err = s.Lessons.Submit(r.Context(), l)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.lessonsPage(w, r, statusFor(err), lessonsView{In: l, Systems: systems, Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/lessons/%d", l.ID), "lesson-submitted", l.Ref()), http.StatusSeeOther)
	return nil
}

type lessonView struct {
	lessons.Lesson
	Effects    []lessons.Effect
	Similar    []lessons.Lesson
	OwnerKinds []string
	LinkKinds  []string
	Today      string
	Errors     string
	// Names name its systems (NSNs) and the nations and facilities that
	// own its actions.
	Names names
}

func (s *Server) lessonPage(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := s.Read.Lessons.Lesson(r.Context(), id)
	if err != nil {
		return err
	}
	similar, err := s.Read.Lessons.SimilarLessons(r.Context(), l.Title+" "+l.Observed, 6)
	if err != nil {
		return err
	}
	v := lessonView{Lesson: l, OwnerKinds: lessons.OwnerKinds, LinkKinds: lessons.LinkKinds, Today: s.today(), Errors: msg}
	if v.Effects, err = s.Read.Lessons.LessonEffects(r.Context(), l, s.Now()); err != nil {
		return err
	}
	for _, x := range similar {
		if x.ID != l.ID {
			v.Similar = append(v.Similar, x)
		}
	}
	marking := l.Classification
	for _, x := range v.Similar {
		marking = max(marking, x.Classification)
	}
	if v.Names, err = s.readNames(r.Context(), itemNames|siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, status, "lesson", l.Ref()+" "+l.Title, v, marking)
}

func (s *Server) uiLesson(w http.ResponseWriter, r *http.Request) error {
	return s.lessonPage(w, r, 200, "")
}

// uiLessonOutcome answers a lesson form: back to the lesson with the
// notice key and its values, or its page again with the refusal.
func (s *Server) uiLessonOutcome(w http.ResponseWriter, r *http.Request, err error, key string, values ...any) error {
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal || e.Code == fault.NotFound {
			return err
		}
		return s.lessonPage(w, r, statusFor(err), problemText(e))
	}
	http.Redirect(w, r, withNotice("/lessons/"+url.PathEscape(r.PathValue("id")), key, values...), http.StatusSeeOther)
	return nil
}

func (s *Server) uiLessonStep(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	version, _ := strconv.ParseInt(f.Get("version"), 10, 64)
	l, err := s.Lessons.Advance(r.Context(), id, version, lessons.Step{To: f.Get("to"), Reason: f.Get("reason"), Analysis: f.Get("analysis"), Conclusion: f.Get("conclusion"), Recommendation: f.Get("recommendation")})
	return s.uiLessonOutcome(w, r, err, "lesson-state", l.Ref(), l.State)
}

func (s *Server) uiLessonAction(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	a, err := s.Lessons.AddAction(r.Context(), id, lessons.Action{OwnerKind: f.Get("owner_kind"), Owner: f.Get("owner"), Description: f.Get("description"), Due: f.Get("due")})
	return s.uiLessonOutcome(w, r, err, "action-assigned", a.Due)
}

func (s *Server) uiLessonActionDone(w http.ResponseWriter, r *http.Request) error {
	action, err := strconv.ParseInt(r.PathValue("action"), 10, 64)
	if err != nil {
		return fault.Errorf(fault.NotFound, "%q is not an action", r.PathValue("action"))
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	_, err = s.Lessons.ActionDone(r.Context(), id, action)
	return s.uiLessonOutcome(w, r, err, "action-done")
}

func (s *Server) uiLessonLink(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	k := lessons.Link{Kind: r.PostForm.Get("kind"), Ref: r.PostForm.Get("ref")}
	err = s.Lessons.Link(r.Context(), id, k)
	return s.uiLessonOutcome(w, r, err, "lesson-linked", strings.ToLower(strings.TrimSpace(k.Kind)), strings.ToUpper(strings.TrimSpace(k.Ref)))
}

func (s *Server) apiLessons(w http.ResponseWriter, r *http.Request) error {
	o, err := listOptions(r)
	if err != nil {
		return err
	}
	f, err := lessonFilter(r)
	if err != nil {
		return err
	}
	p, err := s.Read.Lessons.SearchLessons(r.Context(), f, o)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, p)
}

func (s *Server) apiSubmitLesson(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		lessons.Lesson
		Classification string   `json:"classification"`
		ReleasableTo   []string `json:"releasable_to"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	var errs fault.List
	l := in.Lesson
	l.Marking = marking(&errs, in.Classification, in.ReleasableTo)
	if err := errs.Err(); err != nil {
		return err
	}
	l, err := s.Lessons.Submit(r.Context(), l)
	if err != nil {
		return err
	}
	similar, err := s.Read.Lessons.SimilarLessons(r.Context(), l.Title+" "+l.Observed, 6)
	if err != nil {
		return err
	}
	out := struct {
		lessons.Lesson
		Similar []lessons.Lesson `json:"similar"`
	}{l, []lessons.Lesson{}}
	for _, x := range similar {
		if x.ID != l.ID {
			out.Similar = append(out.Similar, x)
		}
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/lessons/%d", l.ID))
	return writeJSON(w, 201, out)
}

func (s *Server) apiSimilarLessons(w http.ResponseWriter, r *http.Request) error {
	ls, err := s.Read.Lessons.SimilarLessons(r.Context(), r.URL.Query().Get("text"), 10)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, ls)
}

func (s *Server) apiOverdueActions(w http.ResponseWriter, r *http.Request) error {
	os, err := s.Read.Lessons.OverdueActions(r.Context(), s.Now())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, os)
}

func (s *Server) apiLesson(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	l, err := s.Read.Lessons.Lesson(r.Context(), id)
	if err != nil {
		return err
	}
	w.Header().Set("X-Classification", l.Classification.String())
	return writeJSON(w, 200, l)
}

func (s *Server) apiLessonStep(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var in struct {
		lessons.Step
		Version int64 `json:"version"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	l, err := s.Lessons.Advance(r.Context(), id, in.Version, in.Step)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, l)
}

func (s *Server) apiLessonAction(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var a lessons.Action
	if err := decode(w, r, &a); err != nil {
		return err
	}
	a, err = s.Lessons.AddAction(r.Context(), id, a)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, a)
}

func (s *Server) apiLessonActionDone(w http.ResponseWriter, r *http.Request) error {
	action, err := strconv.ParseInt(r.PathValue("action"), 10, 64)
	if err != nil {
		return fault.Errorf(fault.NotFound, "%q is not an action", r.PathValue("action"))
	}
	id, err := pathID(r)
	if err != nil {
		return err
	}
	a, err := s.Lessons.ActionDone(r.Context(), id, action)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, a)
}

func (s *Server) apiLessonLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var k lessons.Link
	if err := decode(w, r, &k); err != nil {
		return err
	}
	if err := s.Lessons.Link(r.Context(), id, k); err != nil {
		return err
	}
	l, err := s.Read.Lessons.Lesson(r.Context(), id)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, l)
}

func (s *Server) apiDigest(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	from, to := q.Get("from"), q.Get("to")
	d, err := report.BuildDigest(r.Context(), s.Read.Reports, from, to, q.Get("capability"), s.Now())
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	var ctype, ext string
	switch f := q.Get("format"); f {
	case "pdf":
		ctype, ext, err = "application/pdf", "pdf", d.PDF(&buf)
	case "xlsx":
		ctype, ext, err = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx", d.XLSX(&buf)
	default:
		return fault.Field("format", "%q is not a format: use pdf or xlsx", f)
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("X-Classification", d.Marking.String())
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="longhaul-lessons-%s-%s.%s"`, d.From, d.To, ext))
	_, err = w.Write(buf.Bytes())
	return err
}
