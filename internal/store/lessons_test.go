package store_test

import (
	"strings"
	"testing"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

func TestLessonsProcessAndSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := storetest.Ctx()
		storetest.Seed(t, db)
		svc := &lessons.Service{Store: store.Lessons{DB: db}}
		coord := access.WithIdentity(ctx, access.Identity{UserID: 1, Name: "analyst", Nation: "POL", Roles: []access.Role{access.Analyst}, Clearance: access.Secret, Via: "token"})
		open := access.WithIdentity(ctx, access.Identity{UserID: 2, Name: "reader", Nation: "FRA", Roles: []access.Role{access.NationOfficer}, Clearance: access.Unclassified, Via: "token"})
		if _, err := svc.Submit(coord, lessons.Lesson{Title: " ", Observed: "", When: "soon", Capability: ""}); fault.Code(err) != fault.Invalid {
			t.Errorf("an empty observation: %v", err)
		}
		obs, err := svc.Submit(coord, lessons.Lesson{Title: "Stinger seekers fail in frost", Observed: "Seeker heads lose lock below minus fifteen degrees after long storage in unheated trucks.",
			When: "2025-01-20", Where: "UA-KYIV", Capability: "air_defence", Systems: []string{storetest.NSNStinger}})
		if err != nil || obs.State != lessons.Submitted {
			t.Fatalf("submit: %+v %v", obs, err)
		}
		secret, err := svc.Submit(coord, lessons.Lesson{Title: "Seeker cooling workaround", Observed: "A restricted field fix for seekers in frost.", When: "2025-01-22", Capability: "air_defence",
			Marking: access.Marking{Classification: access.Restricted}})
		if err != nil {
			t.Fatal(err)
		}
		// Full-text search: words anywhere, all of them; what a reader may
		// not see is not found, not suggested and not counted.
		if p, err := db.SearchLessons(coord, lessons.Filter{Q: "Seeker FROST"}, list.Options{}); err != nil || p.Total != 2 {
			t.Errorf("seeker frost: %d %v", p.Total, err)
		}
		if p, _ := db.SearchLessons(coord, lessons.Filter{Q: "unheated trucks"}, list.Options{}); p.Total != 1 || p.Items[0].ID != obs.ID {
			t.Errorf("unheated trucks: %+v", p)
		}
		// Words match their forms alike on both engines, and little words
		// are left out.
		if p, _ := db.SearchLessons(coord, lessons.Filter{Q: "the seeker heads"}, list.Options{}); p.Total != 1 {
			t.Errorf("the seeker heads: %d", p.Total)
		}
		if p, _ := db.SearchLessons(coord, lessons.Filter{Q: "truck"}, list.Options{}); p.Total != 1 {
			t.Errorf("truck (trucks in the text): %d", p.Total)
		}
		if p, _ := db.SearchLessons(coord, lessons.Filter{Q: "tank"}, list.Options{}); p.Total != 0 {
			t.Errorf("tank: %d", p.Total)
		}
		if p, _ := db.SearchLessons(open, lessons.Filter{Q: "seeker"}, list.Options{}); p.Total != 1 || p.Items[0].ID != obs.ID {
			t.Errorf("an uncleared reader finds %d", p.Total)
		}
		if p, _ := db.SearchLessons(coord, lessons.Filter{System: storetest.NSNStinger, Capability: "air_defence"}, list.Options{}); p.Total != 1 {
			t.Errorf("by system: %d", p.Total)
		}
		if s, _ := db.SimilarLessons(open, "frost on the seeker heads", 5); len(s) != 1 || s[0].ID == secret.ID {
			t.Errorf("suggestions for an uncleared reader: %+v", s)
		}
		if s, _ := db.SimilarLessons(coord, "frost on the seeker heads", 5); len(s) != 2 {
			t.Errorf("suggestions: %+v", s)
		}
		if _, err := db.Lesson(open, secret.ID); fault.Code(err) != fault.NotFound {
			t.Errorf("the restricted lesson by an uncleared reader: %v", err)
		}
		// The process, in order.
		if _, err := svc.Advance(coord, obs.ID, 0, lessons.Step{To: lessons.Identified, Analysis: "a"}); fault.Code(err) != fault.Conflict {
			t.Errorf("identified before accepted: %v", err)
		}
		if _, err := svc.Advance(coord, secret.ID, 0, lessons.Step{To: lessons.Rejected}); fault.Code(err) != fault.Invalid {
			t.Errorf("a rejection without a reason: %v", err)
		}
		if _, err := svc.Advance(coord, obs.ID, 0, lessons.Step{To: lessons.Accepted}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Advance(coord, obs.ID, 0, lessons.Step{To: lessons.Identified, Analysis: "storage"}); fault.Code(err) != fault.Invalid {
			t.Errorf("identified without conclusion: %v", err)
		}
		if _, err := svc.Advance(coord, obs.ID, 0, lessons.Step{To: lessons.Identified, Analysis: "cold soak", Conclusion: "storage", Recommendation: "heated storage and a warm-up drill"}); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddAction(coord, obs.ID, lessons.Action{OwnerKind: "nation", Description: "heated containers"}); fault.Code(err) != fault.Invalid {
			t.Errorf("an action without owner or due date: %v", err)
		}
		a, err := svc.AddAction(coord, obs.ID, lessons.Action{OwnerKind: "nation", Owner: "usa", Description: "heated containers", Due: "2025-02-15"})
		if err != nil {
			t.Fatal(err)
		}
		if od, _ := db.OverdueActions(coord, time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)); len(od) != 1 || od[0].Owner != "USA" {
			t.Errorf("overdue: %+v", od)
		}
		if _, err := svc.Advance(coord, obs.ID, 0, lessons.Step{To: lessons.Learned}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "is not done") {
			t.Errorf("learned before its actions are done: %v", err)
		}
		if _, err := svc.ActionDone(coord, secret.ID, a.ID); fault.Code(err) != fault.NotFound {
			t.Errorf("an action done through another lesson: %v", err)
		}
		if _, err := svc.ActionDone(coord, obs.ID, a.ID); err != nil {
			t.Fatal(err)
		}
		l, err := svc.Advance(coord, obs.ID, 0, lessons.Step{To: lessons.Learned})
		if err != nil || l.State != lessons.Learned || l.LearnedAt == nil {
			t.Fatalf("learned: %+v %v", l, err)
		}
		// Links: to records that exist and the reader may see.
		if err := svc.Link(coord, obs.ID, lessons.Link{Kind: "requirement", Ref: "R-09999"}); fault.Code(err) != fault.Invalid {
			t.Errorf("a link to no requirement: %v", err)
		}
		if err := svc.Link(coord, obs.ID, lessons.Link{Kind: "planet", Ref: "x"}); fault.Code(err) != fault.Invalid {
			t.Errorf("a link of no kind: %v", err)
		}
		if _, err := svc.ActionDone(coord, obs.ID, a.ID); fault.Code(err) != fault.Conflict {
			t.Errorf("an action done twice: %v", err)
		}
		// A link names only what the linker may see: a restricted
		// requirement is no requirement to an analyst not cleared for it.
		req, err := (&assist.Service{Store: store.Assist{DB: db}}).CreateRequirement(ctx, assist.Requirement{NSN: storetest.NSNStinger, Quantity: 4, Priority: 1, NeedBy: "2025-06-01",
			DeliverySite: storetest.SiteKyiv, Marking: access.Marking{Classification: access.Restricted}})
		if err != nil {
			t.Fatal(err)
		}
		uncleared := access.WithIdentity(ctx, access.Identity{UserID: 3, Name: "junior", Nation: "POL", Roles: []access.Role{access.Analyst}, Clearance: access.Unclassified, Via: "token"})
		if err := svc.Link(uncleared, obs.ID, lessons.Link{Kind: "requirement", Ref: req.Ref()}); fault.Code(err) != fault.Invalid || !strings.Contains(err.Error(), "you may see") {
			t.Errorf("a link to a requirement the linker may not see: %v", err)
		}
		if err := svc.Link(coord, obs.ID, lessons.Link{Kind: "requirement", Ref: req.Ref()}); err != nil {
			t.Fatal(err)
		}
		if err := svc.Link(coord, obs.ID, lessons.Link{Kind: "requirement", Ref: req.Ref()}); fault.Code(err) != fault.Conflict {
			t.Errorf("the same link twice: %v", err)
		}
		if ls, err := db.LessonsFor(coord, "requirement", req.Ref()); err != nil || len(ls) != 1 || ls[0].ID != obs.ID {
			t.Errorf("the requirement's lessons: %+v %v", ls, err)
		}
		if err := svc.Link(coord, obs.ID, lessons.Link{Kind: "facility", Ref: storetest.SiteHub}); fault.Code(err) != fault.Invalid {
			t.Errorf("a link to a site that is no repair facility: %v", err)
		}
	})
}
