package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/assist"
	"github.com/longhaul/longhaul/internal/audit"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
	"github.com/longhaul/longhaul/internal/logistics"
	"github.com/longhaul/longhaul/internal/plan"
)

// savedInput is what a saved plan keeps of its input.
type savedInput struct {
	Stock []plan.Stock `json:"stock"`
	Needs []plan.Need  `json:"needs"`
}

// planRecord is a saved plan as the audit chain records it: its figures,
// marked with the highest classification of what it holds.
type planRecord struct {
	ID          int64  `json:"id"`
	State       string `json:"state"`
	Horizon     int    `json:"horizon_days"`
	Fingerprint string `json:"fingerprint"`
	Served      int64  `json:"served"`
	Unmet       int64  `json:"unmet"`
	Late        int64  `json:"late"`
	Lines       int    `json:"lines"`
	marking     int
	Decision    *plan.Decision `json:"decision,omitempty"`
}

func (r planRecord) AuditMarking() (string, access.Marking) {
	return "", access.Marking{Classification: access.Classification(r.marking)}
}

func recordOf(s *plan.Saved) planRecord {
	return planRecord{ID: s.ID, State: s.State, Horizon: s.Horizon, Fingerprint: s.Fingerprint, Served: s.Served, Unmet: s.Unmet, Late: s.Late,
		Lines: len(s.Plan.Lines), marking: s.Marking, Decision: s.Decision}
}

// SavePlan keeps a proposal for review, with its audit event.
func (db *DB) SavePlan(ctx context.Context, s *plan.Saved) error {
	in, err := json.Marshal(savedInput{Stock: s.Input.Stock, Needs: s.Input.Needs})
	if err != nil {
		return err
	}
	p, err := json.Marshal(s.Plan)
	if err != nil {
		return err
	}
	return db.Transact(ctx, func(tx *Tx) error {
		s.MadeAt, s.MadeBy, s.State = tx.now, access.ActorName(ctx), plan.StateProposed
		id, err := tx.insertID(ctx, `INSERT INTO plans (made_at, made_by, horizon_days, start_at, fingerprint, state, classification, served, unmet, late, input, proposal)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			ts(s.MadeAt), s.MadeBy, s.Horizon, ts(s.Start), s.Fingerprint, s.State, s.Marking, s.Served, s.Unmet, s.Late, string(in), string(p))
		if err != nil {
			return fmt.Errorf("save the plan: %w", err)
		}
		s.ID = id
		return tx.Audit(ctx, audit.Record{Action: "plan.create", Entity: "plan", EntityID: fmt.Sprint(id), After: recordOf(s)})
	})
}

const planColumns = `p.id, p.made_at, p.made_by, p.horizon_days, p.start_at, p.fingerprint, p.state, p.classification, p.served, p.unmet, p.late, COALESCE(p.decided_at, ''), p.decided_by, p.result`

type planRow struct {
	plan.Saved
	made, start, decided, result string
}

func planFields() (*planRow, []any) {
	r := &planRow{}
	s := &r.Saved
	return r, []any{&s.ID, &r.made, &s.MadeBy, &s.Horizon, &r.start, &s.Fingerprint, &s.State, &s.Marking, &s.Served, &s.Unmet, &s.Late, &r.decided, &s.DecidedBy, &r.result}
}

func (r *planRow) saved() (plan.Saved, error) {
	s := r.Saved
	s.MadeAt, s.Start = parseTS(r.made), parseTS(r.start)
	if r.decided != "" {
		t := parseTS(r.decided)
		s.DecidedAt = &t
	}
	if r.result != "" {
		s.Decision = &plan.Decision{}
		if err := json.Unmarshal([]byte(r.result), s.Decision); err != nil {
			return s, fmt.Errorf("plan %d: its decision cannot be read: %w", s.ID, err)
		}
	}
	return s, nil
}

// Plans lists saved plans, without their lines.
func (db *DB) Plans(ctx context.Context, f assist.PlanFilter, o list.Options) (list.Page[plan.Saved], error) {
	q := &listQuery{from: "plans p", columns: planColumns, key: "p.id",
		sorts: map[string]string{"id": "p.id", "made_at": "p.made_at", "state": "p.state", "served": "p.served", "unmet": "p.unmet"}, def: "-id"}
	if f.State != "" {
		if f.State != plan.StateProposed && f.State != plan.StateApproved {
			return list.Page[plan.Saved]{}, fault.Field("state", "%q is not a plan state: use proposed or approved", f.State)
		}
		q.filter("p.state = ?", f.State)
	}
	p, err := runList(ctx, db, q, o, planFields)
	out := list.Page[plan.Saved]{Next: p.Next, Total: p.Total, Items: make([]plan.Saved, 0, len(p.Items))}
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
func (db *DB) Plan(ctx context.Context, id int64) (plan.Saved, error) {
	r, dest := planFields()
	var in, p string
	err := db.rq.QueryRowContext(ctx, db.rebind(`SELECT `+planColumns+`, p.input, p.proposal FROM plans p WHERE p.id = ?`), id).Scan(append(dest, &in, &p)...)
	if errors.Is(err, sql.ErrNoRows) {
		return plan.Saved{}, notFound("no plan %d", id)
	}
	if err != nil {
		return plan.Saved{}, err
	}
	s, err := r.saved()
	if err != nil {
		return s, err
	}
	var si savedInput
	if err := json.Unmarshal([]byte(in), &si); err != nil {
		return s, fmt.Errorf("plan %d: its input cannot be read: %w", id, err)
	}
	if err := json.Unmarshal([]byte(p), &s.Plan); err != nil {
		return s, fmt.Errorf("plan %d: its proposal cannot be read: %w", id, err)
	}
	s.Input = plan.Input{Stock: si.Stock, Needs: si.Needs, Start: s.Start, Horizon: s.Horizon}
	return s, nil
}

// RecordApproval marks saved plan s approved with what the approval
// wrote, inside the approval's transaction: a plan approved already (by
// someone else a moment ago) is refused, and the allocations with it.
func RecordApproval(s *plan.Saved, excluded []plan.Key) func(ctx context.Context, ltx logistics.Tx, got plan.Approved) error {
	return func(ctx context.Context, ltx logistics.Tx, got plan.Approved) error {
		tx, ok := ltx.(*Tx)
		if !ok {
			return fmt.Errorf("a plan's approval is recorded by the store's own transaction")
		}
		if excluded == nil {
			excluded = []plan.Key{}
		}
		d := &plan.Decision{Approved: got, Excluded: excluded}
		b, err := json.Marshal(d)
		if err != nil {
			return err
		}
		res, err := tx.exec(ctx, `UPDATE plans SET state = ?, decided_at = ?, decided_by = ?, result = ? WHERE id = ? AND state = ?`,
			plan.StateApproved, ts(tx.now), access.ActorName(ctx), string(b), s.ID, plan.StateProposed)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fault.Errorf(fault.Conflict, "plan %d was approved already: nothing was written again", s.ID)
		}
		before := recordOf(s)
		s.State, s.Decision, s.DecidedBy = plan.StateApproved, d, access.ActorName(ctx)
		at := tx.now
		s.DecidedAt = &at
		return tx.Audit(ctx, audit.Record{Action: "plan.approve", Entity: "plan", EntityID: fmt.Sprint(s.ID), Before: before, After: recordOf(s)})
	}
}

// MakePlan plans over what the reader may see, starting at start, and
// saves the proposal.
func (db *DB) MakePlan(ctx context.Context, horizon int, start time.Time) (plan.Saved, error) {
	in, err := db.PlanInput(ctx)
	if err != nil {
		return plan.Saved{}, err
	}
	in.Start, in.Horizon = start, horizon
	p, err := plan.Make(in)
	if err != nil {
		return plan.Saved{}, err
	}
	sv := plan.Save(in, p, "", start)
	if err := db.SavePlan(ctx, &sv); err != nil {
		return plan.Saved{}, err
	}
	return sv, nil
}

// PlanStale says whether the inputs of a proposed plan changed since it
// was made, as the reader sees them.
func (db *DB) PlanStale(ctx context.Context, sv plan.Saved) (bool, error) {
	if sv.State != plan.StateProposed {
		return false, nil
	}
	in, err := db.PlanInput(ctx)
	if err != nil {
		return false, err
	}
	in.Horizon = sv.Horizon
	return plan.Fingerprint(in) != sv.Fingerprint, nil
}

// ApprovePlan approves saved plan sv, less the excluded lines, against the
// ledger as it is now: a plan approved already, or whose inputs changed
// since it was made, is refused and nothing is written.
func (db *DB) ApprovePlan(ctx context.Context, sv *plan.Saved, exclude []plan.Key) (plan.Approved, error) {
	if sv.State == plan.StateApproved {
		return plan.Approved{}, fault.Errorf(fault.Conflict, "plan %d was approved already", sv.ID)
	}
	if today := db.Now().UTC().Format("2006-01-02"); sv.Start.UTC().Format("2006-01-02") < today {
		return plan.Approved{}, fault.Errorf(fault.Conflict, "plan %d was made on %s: its shipments would leave in the past; plan again", sv.ID, sv.Start.UTC().Format("2006-01-02"))
	}
	in, err := db.PlanInput(ctx)
	if err != nil {
		return plan.Approved{}, err
	}
	in.Start, in.Horizon = sv.Start, sv.Horizon
	if plan.Fingerprint(in) != sv.Fingerprint {
		return plan.Approved{}, fault.Errorf(fault.Conflict, "the ledger or the network changed since plan %d was made: plan again and review the new proposal", sv.ID)
	}
	return plan.Approve(ctx, Logistics{DB: db}, in, sv.Plan, sv.Fingerprint, plan.Options{Exclude: exclude, Record: RecordApproval(sv, exclude)})
}
