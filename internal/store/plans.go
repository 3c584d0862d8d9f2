package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
)

// CreateProposal keeps proposal p for review, as it is, and sets its id.
func (tx *Tx) CreateProposal(ctx context.Context, p *assist.Proposal) error {
	in, err := json.Marshal(p.Input)
	if err != nil {
		return err
	}
	body, err := json.Marshal(p.Plan)
	if err != nil {
		return err
	}
	id, err := tx.insertID(ctx, `INSERT INTO plans (made_at, made_by, horizon_days, start_at, fingerprint, state, classification, served, unmet, late, input, proposal)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ts(p.MadeAt), p.MadeBy, p.Horizon, ts(p.Start), p.Fingerprint, p.State, p.Marking, p.Served, p.Unmet, p.Late, string(in), string(body))
	if err != nil {
		return err
	}
	p.ID = id
	return nil
}

// DecideProposal writes p's state and decision if the stored proposal is
// still proposed: a proposal decided already (by someone else a moment
// ago) is refused, and the caller's transaction with it.
func (tx *Tx) DecideProposal(ctx context.Context, p *assist.Proposal) error {
	b, err := json.Marshal(p.Decision)
	if err != nil {
		return err
	}
	var at any
	if p.DecidedAt != nil {
		at = ts(*p.DecidedAt)
	}
	res, err := tx.exec(ctx, `UPDATE plans SET state = ?, decided_at = ?, decided_by = ?, result = ? WHERE id = ? AND state = ?`,
		p.State, at, p.DecidedBy, string(b), p.ID, assist.ProposalProposed)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fault.Errorf(fault.Conflict, "plan %d was approved already: nothing was written again", p.ID)
	}
	return nil
}

const planColumns = `p.id, p.made_at, p.made_by, p.horizon_days, p.start_at, p.fingerprint, p.state, p.classification, p.served, p.unmet, p.late, COALESCE(p.decided_at, ''), p.decided_by, p.result`

type planRow struct {
	assist.Proposal
	made, start, decided, result string
}

func planFields() (*planRow, []any) {
	r := &planRow{}
	s := &r.Proposal
	return r, []any{&s.ID, &r.made, &s.MadeBy, &s.Horizon, &r.start, &s.Fingerprint, &s.State, &s.Marking, &s.Served, &s.Unmet, &s.Late, &r.decided, &s.DecidedBy, &r.result}
}

func (r *planRow) saved() (assist.Proposal, error) {
	s := r.Proposal
	s.MadeAt, s.Start = parseTS(r.made), parseTS(r.start)
	if r.decided != "" {
		t := parseTS(r.decided)
		s.DecidedAt = &t
	}
	if r.result != "" {
		s.Decision = &assist.Decision{}
		if err := json.Unmarshal([]byte(r.result), s.Decision); err != nil {
			return s, fmt.Errorf("plan %d: its decision cannot be read: %w", s.ID, err)
		}
	}
	return s, nil
}

// Plans lists saved plans, without their lines.
func (db *DB) Plans(ctx context.Context, f assist.PlanFilter, o list.Options) (list.Page[assist.Proposal], error) {
	q := &listQuery{from: "plans p", columns: planColumns, key: "p.id",
		sorts: map[string]string{"id": "p.id", "made_at": "p.made_at", "state": "p.state", "served": "p.served", "unmet": "p.unmet"}, def: "-id"}
	if f.State != "" {
		if f.State != assist.ProposalProposed && f.State != assist.ProposalApproved {
			return list.Page[assist.Proposal]{}, fault.Field("state", "%q is not a plan state: use proposed or approved", f.State)
		}
		q.filter("p.state = ?", f.State)
	}
	p, err := runList(ctx, db, q, o, planFields)
	out := list.Page[assist.Proposal]{Next: p.Next, Total: p.Total, Items: make([]assist.Proposal, 0, len(p.Items))}
	for i := range p.Items {
		s, err := p.Items[i].saved()
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, s)
	}
	return out, err
}

// Plan reads a saved plan with its input and lines.
func (db *DB) Plan(ctx context.Context, id int64) (assist.Proposal, error) {
	r, dest := planFields()
	var in, p string
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT `+planColumns+`, p.input, p.proposal FROM plans p WHERE p.id = ?`), id).Scan(append(dest, &in, &p)...)
	if errors.Is(err, sql.ErrNoRows) {
		return assist.Proposal{}, notFound("no plan %d", id)
	}
	if err != nil {
		return assist.Proposal{}, err
	}
	s, err := r.saved()
	if err != nil {
		return s, err
	}
	if err := json.Unmarshal([]byte(in), &s.Input); err != nil {
		return s, fmt.Errorf("plan %d: its input cannot be read: %w", id, err)
	}
	if err := json.Unmarshal([]byte(p), &s.Plan); err != nil {
		return s, fmt.Errorf("plan %d: its proposal cannot be read: %w", id, err)
	}
	return s, nil
}
