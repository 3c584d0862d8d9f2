package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/training"
)

func (s *Server) trainingPages(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/training", access.TrainingRead, s.uiTraining)
	add("POST", "/training/courses", access.CourseWrite, s.uiSaveCourse)
	add("POST", "/training/classes", access.CourseWrite, s.uiAddClass)
	add("POST", "/training/cohorts", access.CohortWrite, s.uiAddCohort)
	add("GET", "/training/plan", access.TrainingPlan, s.uiTrainingPlan)
	add("POST", "/training/plan/approve", access.TrainingPlan, s.trainingApproval().ui(s))
	add("GET", "/training/classes/{id}", access.TrainingRead, s.uiClass)
	add("POST", "/training/classes/{id}/record", access.CourseWrite, s.uiRecordClass)
}

func (s *Server) trainingAPI(add func(method, pattern string, perm access.Permission, h handlerFunc)) {
	add("GET", "/api/v1/courses", access.TrainingRead, s.apiCourses)
	add("POST", "/api/v1/courses", access.CourseWrite, s.apiSaveCourse)
	add("GET", "/api/v1/classes", access.TrainingRead, s.apiClasses)
	add("POST", "/api/v1/classes", access.CourseWrite, s.apiAddClass)
	add("GET", "/api/v1/classes/{id}/enrolments", access.TrainingRead, s.apiEnrolments)
	add("POST", "/api/v1/classes/{id}/record", access.CourseWrite, s.apiRecordClass)
	add("GET", "/api/v1/cohorts", access.TrainingRead, s.apiCohorts)
	add("POST", "/api/v1/cohorts", access.CohortWrite, s.apiAddCohort)
	add("GET", "/api/v1/training/plan", access.TrainingPlan, s.apiTrainingPlan)
	add("POST", "/api/v1/training/plan/approve", access.TrainingPlan, s.trainingApproval().api())
	add("GET", "/api/v1/training/throughput", access.TrainingRead, s.apiThroughput)
}

type trainingView struct {
	Courses    []training.Offer
	Lessons    map[string][]lessons.Lesson // by course
	Classes    []training.ClassOf
	Cohorts    []training.CohortOf
	Throughput training.Throughput
	Course     training.Offer
	Class      training.ClassOf
	Cohort     training.CohortOf
	Form       string // which form the errors belong to
	Errors     formErrors
	// Names name the systems (by NSN), host nations and facilities.
	Names names
	// Whens are the choices of the classes' filter.
	Whens []string
}

func (s *Server) trainingPage(w http.ResponseWriter, r *http.Request, status int, v trainingView) error {
	var err error
	if v.Courses, err = s.Read.Training.Courses(r.Context()); err != nil {
		return err
	}
	v.Lessons = map[string][]lessons.Lesson{}
	for _, c := range v.Courses {
		ls, err := s.Read.Lessons.LessonsFor(r.Context(), "course", c.Code)
		if err != nil {
			return err
		}
		if len(ls) > 0 {
			v.Lessons[c.Code] = ls
		}
	}
	if v.Classes, err = s.Read.Training.Classes(r.Context(), s.classFilter(r)); err != nil {
		return err
	}
	v.Whens = training.ClassWhens
	if v.Cohorts, err = s.Read.Training.Cohorts(r.Context()); err != nil {
		return err
	}
	if v.Throughput, err = s.Read.Training.TrainingThroughput(r.Context()); err != nil {
		return err
	}
	marking := access.Unclassified
	for _, ls := range v.Lessons {
		for _, l := range ls {
			marking = max(marking, l.Classification)
		}
	}
	if v.Names, err = s.readNames(r.Context(), itemNames|siteNames|nationNames); err != nil {
		return err
	}
	return s.page(w, r, status, "training", "Training", v, marking)
}

func (s *Server) uiTraining(w http.ResponseWriter, r *http.Request) error {
	return s.trainingPage(w, r, 200, trainingView{})
}

// intField reads whole number field name of f, 0 when empty; anything
// else goes on errs with the field's name.
func intField(errs *fault.List, f url.Values, name string) int {
	v := strings.TrimSpace(f.Get(name))
	if v == "" {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		errs.Add(name, "%q is not a whole number", v)
	}
	return n
}

func courseFromForm(f url.Values) (training.Offer, error) {
	var errs fault.List
	o := training.Offer{Code: f.Get("code"), Title: f.Get("title"), Skill: f.Get("skill"), Host: f.Get("host"), Site: f.Get("site"), Language: f.Get("language"),
		Interpretation: f.Get("interpretation") != "", Seats: intField(&errs, f, "seats"), MinSize: intField(&errs, f, "min_size"), Prerequisite: f.Get("prerequisite")}
	if c := strings.TrimSpace(f.Get("cost_per_seat")); c != "" {
		o.CostPerSeat = money.FieldEUR(&errs, "cost_per_seat", c)
	}
	return o, errs.Err()
}

func (s *Server) uiSaveCourse(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	o, err := courseFromForm(r.PostForm)
	version, _ := strconv.ParseInt(r.PostForm.Get("version"), 10, 64)
	if err != nil {
		// What did parse is checked too: every problem in one round.
		err = fault.Also(err, s.Training.CheckCourse(r.Context(), o, version))
	} else {
		o, err = s.Training.SaveCourse(r.Context(), o, version)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.trainingPage(w, r, statusFor(err), trainingView{Course: o, Form: "course", Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/training", "course-offered", o.Code, o.Site), http.StatusSeeOther)
	return nil
}

func (s *Server) uiAddClass(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	var errs fault.List
	c := training.ClassOf{Course: f.Get("course"), Start: f.Get("start"), End: f.Get("end"), Seats: intField(&errs, f, "seats"), MinSize: intField(&errs, f, "min_size")}
	err := errs.Err()
	if err == nil {
		c, err = s.Training.AddClass(r.Context(), c)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.trainingPage(w, r, statusFor(err), trainingView{Class: c, Form: "class", Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/training", "class-added", c.Course, c.Start, c.End), http.StatusSeeOther)
	return nil
}

func (s *Server) uiAddCohort(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	f := r.PostForm
	var errs fault.List
	c := training.CohortOf{Skill: f.Get("skill"), Size: intField(&errs, f, "size"), Priority: intField(&errs, f, "priority"), Earliest: f.Get("earliest_start"), NeededBy: f.Get("needed_by"), Unit: f.Get("unit"), Notes: f.Get("notes")}
	if v := strings.TrimSpace(f.Get("requirement")); v != "" {
		n, err := strconv.ParseInt(strings.TrimPrefix(strings.ToUpper(v), "R-"), 10, 64)
		if err != nil || n <= 0 {
			errs.Add("requirement", "%q is not a requirement: give its number, such as R-00012", v)
		}
		c.Requirement = n
	}
	c.PledgeLine = int64(intField(&errs, f, "pledge_line"))
	err := errs.Err()
	if err == nil {
		c, err = s.Training.AddCohort(r.Context(), c)
	}
	if err != nil {
		if fe, ok := toFormErrors(err); ok {
			return s.trainingPage(w, r, statusFor(err), trainingView{Cohort: c, Form: "cohort", Errors: fe})
		}
		return err
	}
	http.Redirect(w, r, withNotice("/training", "cohort-nominated", c.ID, c.Size), http.StatusSeeOther)
	return nil
}

type trainingPlanView struct {
	training.Proposal
	Start       time.Time `json:"start"`
	Horizon     int       `json:"horizon_days"`
	Fingerprint string    `json:"fingerprint"`
	TookMS      float64   `json:"took_ms"`
	Error       string    `json:"-"`
}

func (s *Server) trainingPlan(r *http.Request, start time.Time, horizon int) (trainingPlanView, error) {
	in, fp, err := s.Read.Training.TrainingPlanInput(r.Context(), start, horizon)
	if err != nil {
		return trainingPlanView{}, err
	}
	t0 := time.Now()
	p, err := training.Plan(in)
	if err != nil {
		return trainingPlanView{}, err
	}
	if p.Enrolments == nil {
		p.Enrolments = []training.Enrolment{}
	}
	if p.Unplaced == nil {
		p.Unplaced = []training.Unplaced{}
	}
	if p.UnderMin == nil {
		p.UnderMin = []int64{}
	}
	return trainingPlanView{Proposal: p, Start: start, Horizon: horizon, Fingerprint: fp, TookMS: float64(time.Since(t0).Microseconds()) / 1000}, nil
}

func (s *Server) uiTrainingPlan(w http.ResponseWriter, r *http.Request) error {
	h, err := horizonDays(r.URL.Query().Get("horizon"), 365, 7, 730)
	if err != nil {
		return err
	}
	v, err := s.trainingPlan(r, s.Now().UTC().Truncate(time.Second), h)
	if err != nil {
		return err
	}
	return s.page(w, r, 200, "training_plan", "Training plan", v, access.Unclassified)
}

func (s *Server) apiTrainingPlan(w http.ResponseWriter, r *http.Request) error {
	h, err := horizonDays(r.URL.Query().Get("horizon"), 365, 7, 730)
	if err != nil {
		return err
	}
	v, err := s.trainingPlan(r, s.Now().UTC().Truncate(time.Second), h)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, v)
}

// trainingApproval approves a seat plan: its enrolments are made, if
// nothing changed since it was shown.
func (s *Server) trainingApproval() planApproval[trainingPlanView] {
	return planApproval[trainingPlanView]{horizon: 365, replan: s.trainingPlan,
		approve: func(r *http.Request, v trainingPlanView, in reviewedPlan) (int, error) {
			return s.Training.Approve(r.Context(), v.Proposal, in.Fingerprint, in.Start, in.Horizon)
		},
		withErr:  func(v trainingPlanView, msg string) trainingPlanView { v.Error = msg; return v },
		template: "training_plan", title: "Training plan", apiKey: "enrolled",
		done: func(n int) string { return withNotice("/training", "enrolments-approved", n) }}
}

type classView struct {
	Class      training.ClassOf
	Enrolments []training.EnrolmentOf
	Errors     string
	Names      names
}

func (s *Server) classOf(r *http.Request) (training.ClassOf, error) {
	id, err := pathID(r)
	if err != nil {
		return training.ClassOf{}, err
	}
	return s.Read.Training.Class(r.Context(), id)
}

func (s *Server) classPage(w http.ResponseWriter, r *http.Request, status int, msg string) error {
	c, err := s.classOf(r)
	if err != nil {
		return err
	}
	ens, err := s.Read.Training.Enrolments(r.Context(), c.ID)
	if err != nil {
		return err
	}
	nm, err := s.readNames(r.Context(), siteNames|nationNames)
	if err != nil {
		return err
	}
	return s.page(w, r, status, "class", fmt.Sprintf("Class %d of %s", c.ID, c.Course), classView{Class: c, Enrolments: ens, Errors: msg, Names: nm}, access.Unclassified)
}

func (s *Server) uiClass(w http.ResponseWriter, r *http.Request) error {
	return s.classPage(w, r, 200, "")
}

func (s *Server) uiRecordClass(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return &fault.Error{Code: malformed, Message: "the form could not be read"}
	}
	c, err := s.classOf(r)
	if err != nil {
		return err
	}
	f := r.PostForm
	var recs []training.Record
	var errs fault.List
	for _, id := range f["enrolment"] {
		p := "e" + id + "_"
		n, _ := strconv.ParseInt(id, 10, 64)
		recs = append(recs, training.Record{Enrolment: n, Attended: intField(&errs, f, p+"attended"), Completed: intField(&errs, f, p+"completed"), Attrition: intField(&errs, f, p+"attrition"), Reason: f.Get(p + "reason")})
	}
	err = errs.Err()
	var n int
	if err == nil {
		n, err = s.Training.RecordClass(r.Context(), c.ID, recs)
	}
	if err != nil {
		e := fault.As(err)
		if e == nil || e.Code == fault.Internal || e.Code == fault.NotFound {
			return err
		}
		return s.classPage(w, r, statusFor(err), problemText(e))
	}
	http.Redirect(w, r, withNotice(fmt.Sprintf("/training/classes/%d", c.ID), "trainees-completed", n), http.StatusSeeOther)
	return nil
}

func (s *Server) apiCourses(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Read.Training.Courses(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, cs)
}

func (s *Server) apiSaveCourse(w http.ResponseWriter, r *http.Request) error {
	var o training.Offer
	if err := decode(w, r, &o); err != nil {
		return err
	}
	saved, err := s.Training.SaveCourse(r.Context(), o, o.Version)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, saved)
}

// classFilter is the classes a query asks for, for the training page and
// the API alike: by course, by training facility, and by when they run
// as of today.
func (s *Server) classFilter(r *http.Request) training.ClassFilter {
	q := r.URL.Query()
	return training.ClassFilter{Course: q.Get("course"), Site: q.Get("site"), When: q.Get("when"), Today: s.today()}
}

func (s *Server) apiClasses(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Read.Training.Classes(r.Context(), s.classFilter(r))
	if err != nil {
		return err
	}
	return writeJSON(w, 200, cs)
}

func (s *Server) apiAddClass(w http.ResponseWriter, r *http.Request) error {
	var c training.ClassOf
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c, err := s.Training.AddClass(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, c)
}

func (s *Server) apiEnrolments(w http.ResponseWriter, r *http.Request) error {
	c, err := s.classOf(r)
	if err != nil {
		return err
	}
	ens, err := s.Read.Training.Enrolments(r.Context(), c.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, ens)
}

type recordInput struct {
	Records []training.Record `json:"records"`
}

func (s *Server) apiRecordClass(w http.ResponseWriter, r *http.Request) error {
	c, err := s.classOf(r)
	if err != nil {
		return err
	}
	var in recordInput
	if err := decode(w, r, &in); err != nil {
		return err
	}
	n, err := s.Training.RecordClass(r.Context(), c.ID, in.Records)
	if err != nil {
		return err
	}
	return writeJSON(w, 200, map[string]int{"completed": n})
}

func (s *Server) apiCohorts(w http.ResponseWriter, r *http.Request) error {
	cs, err := s.Read.Training.Cohorts(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, cs)
}

func (s *Server) apiAddCohort(w http.ResponseWriter, r *http.Request) error {
	var c training.CohortOf
	if err := decode(w, r, &c); err != nil {
		return err
	}
	c, err := s.Training.AddCohort(r.Context(), c)
	if err != nil {
		return err
	}
	return writeJSON(w, 201, c)
}

func (s *Server) apiThroughput(w http.ResponseWriter, r *http.Request) error {
	t, err := s.Read.Training.TrainingThroughput(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, 200, t)
}
