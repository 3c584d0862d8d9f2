package access

import "context"

type identityKey struct{}

// WithIdentity returns a context that acts as id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the identity the context acts as, Anonymous when none.
func IdentityFrom(ctx context.Context) Identity {
	id, _ := ctx.Value(identityKey{}).(Identity)
	return id
}

// ActorName is the name audit events give to who acted in ctx.
func ActorName(ctx context.Context) string {
	id := IdentityFrom(ctx)
	if !id.SignedIn() {
		return "anonymous"
	}
	if id.Via == "token" {
		return id.Name + " (token)"
	}
	return id.Name
}

// Named returns the system identity under another name, e.g. "demo" or
// "cli:import", for the audit trail.
func (id Identity) Named(name string) Identity {
	id.Name = name
	return id
}
