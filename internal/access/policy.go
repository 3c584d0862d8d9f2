package access

import (
	"slices"

	"github.com/longhaul/longhaul/internal/fault"
)

// Permission names something a request may do. Every route of the server
// names exactly one; a route without one does not start.
type Permission string

// The permissions. Public needs no identity at all; SignedIn needs any
// signed-in user; FactorOwn a user signed in with a browser session, who
// may change their own second factors (CheckFactorChange).
const (
	Public           Permission = "public"
	SignedIn         Permission = "signed_in"
	FactorOwn        Permission = "factor.own"
	CatalogRead      Permission = "catalog.read"
	CatalogWrite     Permission = "catalog.write"
	RequirementRead  Permission = "requirement.read"
	RequirementWrite Permission = "requirement.write"
	PledgeRead       Permission = "pledge.read"
	PledgeWrite      Permission = "pledge.write"    // record, edit, commit, ship, withdraw
	PledgeAllocate   Permission = "pledge.allocate" // set stock against requirements
	PledgeDeliver    Permission = "pledge.deliver"  // record a delivery
	PledgeAccept     Permission = "pledge.accept"   // confirm receipt
	MarkingLower     Permission = "marking.lower"   // lower a record's classification or widen its releasability
	DashboardRead    Permission = "dashboard.read"
	AccountsRead     Permission = "accounts.read"     // the pledge's accounts, fair shares, contributions, reports
	AccountsWrite    Permission = "accounts.write"    // baselines, their nations, exchange rates
	NetworkRead      Permission = "network.read"      // sites, links, hubs and the map
	NetworkWrite     Permission = "network.write"     // links and hub limits
	ShipmentRead     Permission = "shipment.read"     // shipments, custody, discrepancies
	ShipmentPlan     Permission = "shipment.plan"     // create and cancel shipments
	ShipmentCustody  Permission = "shipment.custody"  // hand goods on: dispatch, arrive, depart, hold
	ShipmentReceive  Permission = "shipment.receive"  // receive at the destination
	DiscrepancyClose Permission = "discrepancy.close" // resolve a discrepancy
	StockRead        Permission = "stock.read"        // stock and throughput at the hubs
	StockCount       Permission = "stock.count"       // record a physical count
	EquipmentRead    Permission = "equipment.read"    // the equipment register, repair orders and facilities
	EquipmentWrite   Permission = "equipment.write"   // register equipment, report damage
	RepairPlan       Permission = "repair.plan"       // plan and approve repairs, set up repair facilities
	RepairUpdate     Permission = "repair.update"     // move repair orders on
	TrainingRead     Permission = "training.read"     // courses, classes, cohorts, enrolments, throughput
	CourseWrite      Permission = "course.write"      // offer courses and classes, record attendance and completion
	CohortWrite      Permission = "cohort.write"      // nominate cohorts
	TrainingPlan     Permission = "training.plan"     // plan and approve seats
	LessonRead       Permission = "lesson.read"       // observations and lessons
	LessonSubmit     Permission = "lesson.submit"     // submit an observation
	LessonAnalyse    Permission = "lesson.analyse"    // triage, analyse, assign actions, validate
	ReadinessRead    Permission = "readiness.read"    // capability packages and how many systems are ready
	ReadinessWrite   Permission = "readiness.write"   // define capability packages
	AuditRead        Permission = "audit.read"
	AuditVerify      Permission = "audit.verify"
	LedgerCheck      Permission = "ledger.check" // recompute the ledger's invariants
	UserAdmin        Permission = "user.admin"
	TokenOwn         Permission = "token.own" // one's own API tokens
)

// Policy is the table of who may do what, written once: every handler,
// query, export and report asks it.
var Policy = map[Permission][]Role{
	CatalogRead:      Roles,
	CatalogWrite:     {Admin, Coordinator},
	RequirementRead:  {Coordinator, NationOfficer, RecipientOfficer, Auditor, Analyst},
	RequirementWrite: {Coordinator, RecipientOfficer},
	PledgeRead:       {Coordinator, NationOfficer, RecipientOfficer, Auditor},
	PledgeWrite:      {Coordinator, NationOfficer},
	PledgeAllocate:   {Coordinator},
	PledgeDeliver:    {Coordinator, NationOfficer, RecipientOfficer},
	PledgeAccept:     {Coordinator, RecipientOfficer},
	MarkingLower:     {Coordinator},
	DashboardRead:    Roles,
	AccountsRead:     {Coordinator, NationOfficer, RecipientOfficer, Auditor, Analyst},
	AccountsWrite:    {Coordinator},
	NetworkRead:      Roles,
	NetworkWrite:     {Admin, Coordinator},
	ShipmentRead:     {Coordinator, NationOfficer, RecipientOfficer, HubOperator, Auditor},
	ShipmentPlan:     {Coordinator, NationOfficer},
	ShipmentCustody:  {Coordinator, NationOfficer, RecipientOfficer, HubOperator},
	ShipmentReceive:  {Coordinator, RecipientOfficer},
	DiscrepancyClose: {Coordinator},
	StockRead:        {Coordinator, HubOperator, NationOfficer, Auditor},
	StockCount:       {Coordinator, HubOperator},
	EquipmentRead:    {Coordinator, NationOfficer, RecipientOfficer, FacilityManager, Auditor, Analyst},
	EquipmentWrite:   {Coordinator, RecipientOfficer},
	RepairPlan:       {Coordinator},
	RepairUpdate:     {Coordinator, FacilityManager, RecipientOfficer},
	TrainingRead:     {Coordinator, NationOfficer, RecipientOfficer, FacilityManager, Auditor, Analyst},
	CourseWrite:      {Coordinator, NationOfficer, FacilityManager},
	CohortWrite:      {Coordinator, RecipientOfficer},
	TrainingPlan:     {Coordinator},
	LessonRead:       Roles,
	LessonSubmit:     Roles,
	LessonAnalyse:    {Analyst, Coordinator},
	ReadinessRead:    {Coordinator, NationOfficer, RecipientOfficer, Auditor},
	ReadinessWrite:   {Coordinator},
	AuditRead:        {Auditor, Coordinator},
	AuditVerify:      {Auditor, Coordinator, Admin},
	LedgerCheck:      {Auditor, Coordinator},
	UserAdmin:        {Admin},
	TokenOwn:         Roles,
}

// Allowed reports whether id may use permission p at all; record-level
// rules (nation, classification, releasability) come on top.
func Allowed(id Identity, p Permission) bool {
	switch p {
	case Public:
		return true
	case SignedIn:
		return id.SignedIn()
	case FactorOwn:
		return id.SignedIn() && CheckFactorChange(id) == nil
	}
	if !id.SignedIn() {
		return false
	}
	for _, r := range Policy[p] {
		if id.Has(r) {
			return true
		}
	}
	return false
}

// Check returns nil when id may use p, Unauthorized for no identity and
// Forbidden for an identity without the role.
func Check(id Identity, p Permission) error {
	if Allowed(id, p) {
		return nil
	}
	if !id.SignedIn() && p != Public {
		return fault.Errorf(fault.Unauthorized, "sign in or send an API token")
	}
	if p == FactorOwn {
		return CheckFactorChange(id)
	}
	return fault.Errorf(fault.Forbidden, "%s may not do this (%s)", id.Name, p)
}

// Known reports whether p is in the policy table.
func Known(p Permission) bool {
	if p == Public || p == SignedIn || p == FactorOwn {
		return true
	}
	_, ok := Policy[p]
	return ok
}

// SeesAllNations reports whether id reads every nation's records (within
// clearance and releasability rules do not apply to it).
func (id Identity) SeesAllNations() bool {
	return id.HasAny(Coordinator, Auditor)
}

// MayWriteFor reports whether id may change records owned by nation: a
// coordinator any nation's, a nation officer only their own.
func (id Identity) MayWriteFor(nation string) bool {
	if id.Has(Coordinator) || id.Via == "system" {
		return true
	}
	return id.Has(NationOfficer) && id.Nation != "" && id.Nation == nation
}

// CanSee reports whether id may read a record owned by nation with marking
// m. It is the rule that the store's SQL filter (store.visible) applies
// inside every query; tests check that the two agree.
func (id Identity) CanSee(nation string, m Marking) bool {
	if !id.SignedIn() || m.Classification > id.Clearance {
		return false
	}
	if id.SeesAllNations() {
		return true
	}
	if id.Nation != "" && id.Nation == nation {
		return true
	}
	return len(m.ReleasableTo) == 0 || (id.Nation != "" && slices.Contains(m.ReleasableTo, id.Nation))
}
