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
// record: it must hold perm, the record's classification (column
// alias.classification) must be within its clearance, and unless it reads
// every nation's records, the record must be its own nation's (ownerExpr) or
// releasable to it (alias.releasable_to, empty meaning to all). It is
// access.Identity.CanSee written in SQL, so that lists, counts, totals and
// exports never hold what the reader may not see.
func visible(ctx context.Context, perm access.Permission, alias, ownerExpr string) visibility {
	id := access.IdentityFrom(ctx)
	if !access.Allowed(id, perm) {
		return visibility{cond: "1 = 0"}
	}
	v := visibility{cond: alias + ".classification <= ?", args: []any{int(id.Clearance)}}
	if id.SeesAllNations() || id.Via == "system" {
		return v
	}
	v.cond = "(" + v.cond + " AND (" + ownerExpr + " = ? OR " + alias + ".releasable_to = '' OR (',' || " + alias + ".releasable_to || ',') LIKE ?))"
	v.args = append(v.args, id.Nation, "%,"+id.Nation+",%")
	return v
}

func pledgesVisible(ctx context.Context) visibility {
	return visible(ctx, access.PledgeRead, "p", "p.nation")
}

// Requirements belong to the recipient.
func requirementsVisible(ctx context.Context) visibility {
	return visible(ctx, access.RequirementRead, "r", "'UKR'")
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
