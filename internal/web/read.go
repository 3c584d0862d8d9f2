package web

import (
	"context"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/accounts"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/catalog"
	"github.com/longhaul/longhaul/internal/lessons"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/money"
	"github.com/longhaul/longhaul/internal/plan"
	"github.com/longhaul/longhaul/internal/reliability"
	"github.com/longhaul/longhaul/internal/repair"
	"github.com/longhaul/longhaul/internal/report"
	"github.com/longhaul/longhaul/internal/training"
)

// The read interfaces of the pages and the API, one per area. Every read
// is filtered by the reader the context carries, inside the storage that
// implements it; web never holds the concrete store, and cli wires it in.

// CatalogReader reads nations, sites and the catalogue of items.
type CatalogReader interface {
	Nation(ctx context.Context, code string) (catalog.Nation, error)
	Nations(ctx context.Context, f catalog.NationFilter, o list.Options) (list.Page[catalog.Nation], error)
	Site(ctx context.Context, code string) (catalog.Site, error)
	Sites(ctx context.Context, f catalog.SiteFilter, o list.Options) (list.Page[catalog.Site], error)
	Item(ctx context.Context, nsn string) (catalog.Item, error)
	Items(ctx context.Context, f catalog.ItemFilter, o list.Options) (list.Page[catalog.Item], error)
	AllItems(ctx context.Context, f catalog.ItemFilter) ([]catalog.Item, error)
	Groups(ctx context.Context) ([]string, error)
}

// LedgerReader reads pledges, requirements, their allocations and the
// dashboard's figures.
type LedgerReader interface {
	Pledge(ctx context.Context, id int64) (assist.Pledge, error)
	Pledges(ctx context.Context, f assist.PledgeFilter, o list.Options, today string) (list.Page[assist.PledgeSummary], error)
	AllPledges(ctx context.Context, f assist.PledgeFilter, today string) ([]assist.Pledge, error)
	AllProgress(ctx context.Context, f assist.PledgeFilter, today string) ([]assist.Progress, error)
	Requirement(ctx context.Context, id int64) (assist.Requirement, error)
	Requirements(ctx context.Context, f assist.RequirementFilter, o list.Options) (list.Page[assist.Requirement], error)
	AllRequirements(ctx context.Context, f assist.RequirementFilter) ([]assist.Requirement, error)
	Allocations(ctx context.Context, pledgeID, reqID int64) ([]assist.Allocation, error)
	Dashboard(ctx context.Context, today string, overdueLimit int) (assist.Dashboard, error)
	DeliveredByNation(ctx context.Context) (map[string]money.Cents, error)
}

// LogisticsReader reads shipments, their custody and discrepancies, hubs
// and the transport network.
type LogisticsReader interface {
	Shipment(ctx context.Context, id int64) (logistics.Shipment, error)
	Shipments(ctx context.Context, f logistics.ShipmentFilter, o list.Options) (list.Page[logistics.Shipment], error)
	WithLines(ctx context.Context, ships []logistics.Shipment) error
	Custody(ctx context.Context, shipment int64) ([]logistics.CustodyEvent, error)
	Discrepancies(ctx context.Context, f logistics.DiscrepancyFilter, o list.Options) (list.Page[logistics.Discrepancy], error)
	OpenAllocations(ctx context.Context, limit int) ([]logistics.OpenAllocation, error)
	MovingShipments(ctx context.Context) ([]logistics.Shipment, error)
	Logistics(ctx context.Context, now time.Time, limit int) (logistics.LogisticsSummary, error)
	Hubs(ctx context.Context, now time.Time) ([]logistics.HubLoad, error)
	HubStock(ctx context.Context, site string) ([]logistics.StockLine, error)
	Throughput(ctx context.Context, site, from, to string) ([]logistics.DayLoad, error)
	Network(ctx context.Context) (logistics.Network, error)
	Link(ctx context.Context, id int64) (logistics.Link, error)
	Links(ctx context.Context) ([]logistics.Link, error)
}

// PlanReader reads saved allocation plans.
type PlanReader interface {
	Plan(ctx context.Context, id int64) (plan.Saved, error)
	Plans(ctx context.Context, f assist.PlanFilter, o list.Options) (list.Page[plan.Saved], error)
}

// RepairReader reads the equipment register, repair orders and facilities.
type RepairReader interface {
	EquipmentList(ctx context.Context, f repair.EquipmentFilter, o list.Options) (list.Page[repair.Equipment], error)
	Piece(ctx context.Context, id int64) (repair.Equipment, []repair.EquipmentEvent, []repair.Order, error)
	Fleet(ctx context.Context) (bySystem, byDonor []repair.FleetRow, err error)
	Order(ctx context.Context, id int64) (repair.Order, error)
	Orders(ctx context.Context, f repair.OrderFilter, o list.Options) (list.Page[repair.Order], error)
	OrderCounts(ctx context.Context) (map[string]int64, error)
	Parts(ctx context.Context, orderID int64) ([]repair.PartNeed, error)
	Pipeline(ctx context.Context, weeks int, now time.Time) ([]repair.PipelineWeek, error)
	FacilityStatistics(ctx context.Context) ([]repair.FacilityStats, error)
	RepairFacilities(ctx context.Context) ([]repair.RepairFacility, error)
	RepairPlanInput(ctx context.Context, start time.Time, horizon int) (repair.PlanInput, string, error)
}

// TrainingReader reads courses, classes, cohorts and what the training
// delivers.
type TrainingReader interface {
	Courses(ctx context.Context) ([]training.Offer, error)
	Classes(ctx context.Context, f training.ClassFilter) ([]training.ClassOf, error)
	Class(ctx context.Context, id int64) (training.ClassOf, error)
	Enrolments(ctx context.Context, class int64) ([]training.EnrolmentOf, error)
	Cohorts(ctx context.Context) ([]training.CohortOf, error)
	TrainingThroughput(ctx context.Context) (training.Throughput, error)
	TrainingPlanInput(ctx context.Context, start time.Time, horizon int) (training.PlanInput, string, error)
}

// LessonReader reads lessons, their overdue actions and their effect.
type LessonReader interface {
	Lesson(ctx context.Context, id int64) (lessons.Lesson, error)
	LessonsFor(ctx context.Context, kind, ref string) ([]lessons.Lesson, error)
	SearchLessons(ctx context.Context, f lessons.Filter, o list.Options) (list.Page[lessons.Lesson], error)
	SimilarLessons(ctx context.Context, text string, n int) ([]lessons.Lesson, error)
	OverdueActions(ctx context.Context, today time.Time) ([]lessons.OverdueAction, error)
	LessonEffects(ctx context.Context, l lessons.Lesson, now time.Time) ([]lessons.Effect, error)
	LearningTimes(ctx context.Context) (lessons.LearningTimes, error)
}

// AccountsReader reads the baseline pledge's accounts: contributions,
// shares, rates, agreements and spending.
type AccountsReader interface {
	Accounts(ctx context.Context, year int, today time.Time) (accounts.Ledger, error)
	Contributions(ctx context.Context, f accounts.ContributionFilter, o list.Options) (list.Page[accounts.Contribution], error)
	Baselines(ctx context.Context) ([]accounts.Baseline, error)
	FairShares(ctx context.Context, year int) (accounts.Baseline, []accounts.Share, *accounts.Rate, error)
	Rates(ctx context.Context) ([]accounts.Rate, error)
	Agreement(ctx context.Context, nation string) (accounts.Agreement, error)
	Agreements(ctx context.Context) ([]accounts.Agreement, error)
	Spending(ctx context.Context, year int) ([]accounts.Spending, error)
}

// ReliabilityReader measures how the nations keep their promised dates,
// counting the pledge lines the reader may see.
type ReliabilityReader interface {
	Measure(ctx context.Context, q reliability.Query, asOf time.Time) (reliability.Report, error)
}

// UserReader reads users and their API tokens.
type UserReader interface {
	Users(ctx context.Context) ([]access.User, error)
	Tokens(ctx context.Context, userID int64) ([]access.Token, error)
}

// AuditReader reads the audit trail and verifies its chain.
type AuditReader interface {
	Events(ctx context.Context, entity, entityID string, limit int) ([]audit.Event, error)
	VerifyAudit(ctx context.Context) (audit.VerifyResult, error)
}

// ReportReader reads what the summit review, the IATI file and the lessons
// digest are built from.
type ReportReader interface {
	report.Reader
	report.Publisher
	report.LessonSearch
}

// Readier tells, for /readyz, whether the storage answers and takes
// writes: an error with code fault.Full or fault.Unavailable says why
// writes fail, any other that the storage does not answer.
type Readier interface {
	Ready(ctx context.Context) error
}

// Readers are the read interfaces a server reads through.
type Readers struct {
	Catalog   CatalogReader
	Ledger    LedgerReader
	Logistics LogisticsReader
	Plans     PlanReader
	Repair    RepairReader
	Training  TrainingReader
	Lessons   LessonReader
	Accounts  AccountsReader
	Users     UserReader
	Audit     AuditReader
	Reports   ReportReader
	// Notify reads the webhook endpoints and their delivery log.
	Notify NotifyReader
	// Reliability is read on its own page, the nations' pages and the
	// dashboard.
	Reliability ReliabilityReader
}
