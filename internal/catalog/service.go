package catalog

import (
	"context"
	"github.com/longhaul/longhaul/internal/text"
	"strings"

	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
)

// Tx is what the catalogue's use cases need from storage inside one
// transaction.
type Tx interface {
	Nation(ctx context.Context, code string) (Nation, error)
	Site(ctx context.Context, code string) (Site, error)
	Item(ctx context.Context, nsn string) (Item, error)
	CreateSite(ctx context.Context, s *Site) error
	CreateItem(ctx context.Context, it *Item) error
	UpdateItem(ctx context.Context, it *Item, version int64) error
	Audit(ctx context.Context, r audit.Record) error
}

// Store runs a function in one transaction.
type Store interface {
	Transact(ctx context.Context, fn func(Tx) error) error
}

// Service holds the catalogue's use cases.
type Service struct {
	Store Store
}

// CreateItem validates and adds an item to the catalogue.
func (s *Service) CreateItem(ctx context.Context, it Item) (Item, error) {
	if err := it.Validate(); err != nil {
		return it, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error { return s.CreateItemIn(ctx, tx, &it) })
	return it, err
}

// CreateItemIn adds an item inside a transaction the caller holds, so that
// an import can add many items all or nothing.
func (s *Service) CreateItemIn(ctx context.Context, tx Tx, it *Item) error {
	if err := it.Validate(); err != nil {
		return err
	}
	if _, err := tx.Item(ctx, it.NSN); err == nil {
		return &fault.Error{Code: fault.Conflict, Field: "nsn", Message: "an item with NSN " + it.NSN + " is already in the catalogue"}
	} else if fault.Code(err) != fault.NotFound {
		return err
	}
	if err := tx.CreateItem(ctx, it); err != nil {
		return err
	}
	return tx.Audit(ctx, audit.Record{Action: "item.create", Entity: "item", EntityID: it.NSN, After: it})
}

// UpdateItem changes an item's fields; its NSN does not change.
func (s *Service) UpdateItem(ctx context.Context, nsn string, version int64, in Item) (Item, error) {
	var out Item
	err := s.Store.Transact(ctx, func(tx Tx) error {
		old, err := tx.Item(ctx, nsn)
		if err != nil {
			return err
		}
		if version != 0 && version != old.Version {
			return fault.Errorf(fault.Conflict, "item %s was changed by someone else (version %d, you had %d): reload and try again", nsn, old.Version, version)
		}
		in.NSN = old.NSN
		if err := in.Validate(); err != nil {
			return err
		}
		in.Version, in.UpdatedAt = old.Version, old.UpdatedAt
		if err := tx.UpdateItem(ctx, &in, old.Version); err != nil {
			return err
		}
		out = in
		return tx.Audit(ctx, audit.Record{Action: "item.update", Entity: "item", EntityID: nsn, Before: old, After: in})
	})
	return out, err
}

// CreateSite validates and adds a site.
func (s *Service) CreateSite(ctx context.Context, site Site) (Site, error) {
	if err := site.Validate(); err != nil {
		return site, err
	}
	err := s.Store.Transact(ctx, func(tx Tx) error {
		if _, err := tx.Nation(ctx, site.Nation); err != nil {
			if fault.Code(err) == fault.NotFound {
				return fault.Field("nation", "no nation %q", site.Nation)
			}
			return err
		}
		if _, err := tx.Site(ctx, site.Code); err == nil {
			return &fault.Error{Code: fault.Conflict, Field: "code", Message: "a site " + site.Code + " already exists"}
		}
		if err := tx.CreateSite(ctx, &site); err != nil {
			return err
		}
		return tx.Audit(ctx, audit.Record{Action: "site.create", Entity: "site", EntityID: site.Code, After: site})
	})
	return site, err
}

// Validate normalises the site's code and nation and checks its own fields;
// whether the nation exists is for the use case to check.
func (site *Site) Validate() error {
	var errs fault.List
	site.Code = strings.ToUpper(strings.TrimSpace(site.Code))
	site.Nation = strings.ToUpper(strings.TrimSpace(site.Nation))
	if site.Code == "" {
		errs.Add("code", "is required")
	}
	if text.Blank(site.Name) {
		errs.Add("name", "is required")
	}
	if len(site.Kinds) == 0 {
		errs.Add("kinds", "name at least one kind: %s", strings.Join(SiteKinds, ", "))
	}
	for _, k := range site.Kinds {
		if !contains(SiteKinds, k) {
			errs.Add("kinds", "%q is not a site kind: use %s", k, strings.Join(SiteKinds, ", "))
		}
	}
	if site.LatE6 < -90_000_000 || site.LatE6 > 90_000_000 {
		errs.Add("lat_e6", "must be between -90 and 90 degrees")
	}
	if site.LonE6 < -180_000_000 || site.LonE6 > 180_000_000 {
		errs.Add("lon_e6", "must be between -180 and 180 degrees")
	}
	return errs.Err()
}
