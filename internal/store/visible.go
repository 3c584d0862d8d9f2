package store

import (
	"context"

	"github.com/longhaul/longhaul/internal/access"
)

// visibility is a SQL condition with its arguments.
type visibility struct {
	cond string
	args []any
}

// visible returns the condition under which the identity of ctx may read a
// record of the table aliased alias: it must hold perm, the record's
// classification must be within its clearance, and unless it reads every
// nation's records, the record must be its own nation's or releasable to it
// (the audience mask, see migration 0003). It is access.Identity.CanSee
// written in SQL, so that lists, counts, totals and exports never hold what
// the reader may not see; a test checks that the two agree.
func (db *DB) visible(ctx context.Context, perm access.Permission, alias string) visibility {
	id := access.IdentityFrom(ctx)
	if !access.Allowed(id, perm) {
		return visibility{cond: "1 = 0"}
	}
	if id.SeesAllNations() || id.Via == "system" {
		return visibility{cond: alias + ".classification <= ?", args: []any{int(id.Clearance)}}
	}
	return visibility{
		cond: "(" + alias + ".classification <= ? AND (" + alias + ".audience & ?) <> 0)",
		args: []any{int(id.Clearance), db.readerAudience(id.Nation)},
	}
}

func (db *DB) pledgesVisible(ctx context.Context) visibility {
	return db.visible(ctx, access.PledgeRead, "p")
}

// Requirements belong to the recipient.
func (db *DB) requirementsVisible(ctx context.Context) visibility {
	return db.visible(ctx, access.RequirementRead, "r")
}

func allowed(ctx context.Context, perm access.Permission) visibility {
	if access.Allowed(access.IdentityFrom(ctx), perm) {
		return visibility{cond: "1 = 1"}
	}
	return visibility{cond: "1 = 0"}
}

func (v visibility) and(w visibility) visibility {
	return visibility{cond: "(" + v.cond + " AND " + w.cond + ")", args: append(append([]any(nil), v.args...), w.args...)}
}

// requirementsSeen is the requirements table as the reader of ctx sees it,
// aliased r, for reads: a requirement's allocated, delivered and accepted
// quantities count only the allocations of pledges the reader may see, and
// its state is derived from them as assist.Requirement.Derive does. A
// requirement every reader sees so tells nothing of a pledge one of them
// may not: not through its figures, its state, a filter or a sort by state
// (the leak test of web checks this on every route). The stored figures,
// which count every allocation, are what use cases read and write in a
// transaction, and what `longhaul check` compares.
func (db *DB) requirementsSeen(ctx context.Context) (string, []any) {
	pv := db.pledgesVisible(ctx)
	return `(SELECT x.id, x.nsn, x.grp, x.quantity, x.priority, x.need_by, x.delivery_site, x.notes, x.classification, x.releasable_to, x.audience,
		x.illustrative, x.cancelled, x.version, x.created_at, x.updated_at, x.allocated, x.delivered, x.accepted,
		CASE WHEN x.cancelled THEN 'cancelled'
			WHEN x.accepted >= x.quantity THEN 'fulfilled'
			WHEN x.delivered >= x.quantity THEN 'awaiting_acceptance'
			WHEN x.allocated >= x.quantity THEN 'allocated'
			WHEN x.allocated > 0 THEN 'partly_allocated'
			ELSE 'open' END AS state
		FROM (SELECT q.id, q.nsn, q.grp, q.quantity, q.priority, q.need_by, q.delivery_site, q.notes, q.classification, q.releasable_to, q.audience,
			q.illustrative, q.cancelled, q.version, q.created_at, q.updated_at,
			COALESCE(v.allocated, 0) AS allocated, COALESCE(v.delivered, 0) AS delivered, COALESCE(v.accepted, 0) AS accepted
			FROM requirements q LEFT JOIN (SELECT a.requirement_id, SUM(a.quantity) AS allocated, SUM(a.delivered) AS delivered, SUM(a.accepted) AS accepted
				FROM allocations a JOIN pledges p ON p.id = a.pledge_id WHERE ` + pv.cond + ` GROUP BY a.requirement_id) v ON v.requirement_id = q.id) x) r`, pv.args
}
