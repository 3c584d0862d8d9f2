package access

import (
	"context"

	"github.com/longhaul/longhaul/internal/audit"
)

// Refused writes the refusal of a request to the audit trail, in a
// transaction of its own: what was asked (route, e.g. "POST /api/v1/pledges"),
// why it was refused and the address it came from. The actor is the
// identity of ctx, or nobody when the caller could not be established.
func (s *Service) Refused(ctx context.Context, route, reason, from string) error {
	return s.Store.Transact(ctx, func(tx Tx) error {
		return tx.Audit(ctx, audit.Record{Action: "access.refused", Entity: "access", EntityID: route,
			After: map[string]string{"reason": reason, "from": from}})
	})
}
