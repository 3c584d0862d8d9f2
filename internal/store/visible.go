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
