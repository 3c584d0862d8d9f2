package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/list"
)

// listQuery builds a filtered, sorted, keyset-paged SELECT.
type listQuery struct {
	from     string            // FROM clause and joins, without WHERE
	fromArgs []any             // arguments of placeholders in from
	columns  string            // selected columns
	colArgs  []any             // arguments of placeholders in columns
	key      string            // the unique key column, e.g. "p.id"
	sorts    map[string]string // sort name → column expression
	def      string            // default sort name
	where    []string
	args     []any
}

func (q *listQuery) filter(cond string, args ...any) {
	q.where = append(q.where, cond)
	q.args = append(q.args, args...)
}

func (q *listQuery) visible(v visibility) {
	q.filter(v.cond, v.args...)
}

func (q *listQuery) whereSQL() string {
	if len(q.where) == 0 {
		return ""
	}
	return " WHERE " + strings.Join(q.where, " AND ")
}

// cursor is what a page cursor holds: the last row's sort value and key.
type cursor struct {
	Sort  string `json:"s"`
	Value any    `json:"v"`
	Key   any    `json:"k"`
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		d := json.NewDecoder(strings.NewReader(string(b)))
		d.UseNumber()
		err = d.Decode(&c)
	}
	if err == nil && (!scalar(c.Value) || !scalar(c.Key)) {
		err = errors.New("a cursor holds a string, a number or null")
	}
	if err != nil {
		return c, fault.Field("cursor", "is not a cursor this server gave out")
	}
	c.Value, c.Key = fromNumber(c.Value), fromNumber(c.Key)
	return c, nil
}

// scalar reports whether v, decoded from a cursor, is a value SQL can
// compare: an array or object in a cursor was never given out, and binding
// one fails in the driver.
func scalar(v any) bool {
	switch v.(type) {
	case nil, string, json.Number, bool:
		return true
	}
	return false
}

func fromNumber(v any) any {
	if n, ok := v.(json.Number); ok {
		if i, err := n.Int64(); err == nil {
			return i
		}
		return n.String()
	}
	return v
}

// build returns the page query (selecting sort value and key as the last two
// columns), the count query, and their arguments.
func (q *listQuery) build(o list.Options) (sel string, selArgs []any, count string, countArgs []any, limit int, sortName string, err error) {
	limit = o.Limit
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > list.MaxLimit {
		return "", nil, "", nil, 0, "", fault.Field("limit", "must be between 1 and %d", list.MaxLimit)
	}
	sortName = o.Sort
	if sortName == "" {
		sortName = q.def
	}
	desc := strings.HasPrefix(sortName, "-")
	col, ok := q.sorts[strings.TrimPrefix(sortName, "-")]
	if !ok {
		names := make([]string, 0, len(q.sorts))
		for n := range q.sorts {
			names = append(names, n)
		}
		return "", nil, "", nil, 0, "", fault.Field("sort", "%q is not a sort order: use one of %s, with - before it for descending", o.Sort, strings.Join(sortedStrings(names), ", "))
	}
	count = "SELECT COUNT(*) FROM " + q.from + q.whereSQL()
	countArgs = append(append([]any(nil), q.fromArgs...), q.args...)
	where := append([]string(nil), q.where...)
	selArgs = append(append(append([]any(nil), q.colArgs...), q.fromArgs...), q.args...)
	if o.Cursor != "" {
		c, err := decodeCursor(o.Cursor)
		if err != nil {
			return "", nil, "", nil, 0, "", err
		}
		if c.Sort != sortName {
			return "", nil, "", nil, 0, "", fault.Field("cursor", "belongs to sort order %q, not %q", c.Sort, sortName)
		}
		op := ">"
		if desc {
			op = "<"
		}
		where = append(where, fmt.Sprintf("(%s %s ? OR (%s = ? AND %s %s ?))", col, op, col, q.key, op))
		selArgs = append(selArgs, c.Value, c.Value, c.Key)
	}
	dir := "ASC"
	if desc {
		dir = "DESC"
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	// The limit is a parameter, so that every page size shares one prepared
	// statement.
	sel = fmt.Sprintf("SELECT %s, %s, %s FROM %s%s ORDER BY %s %s, %s %s LIMIT ?",
		q.columns, col, q.key, q.from, w, col, dir, q.key, dir)
	selArgs = append(selArgs, limit+1)
	return sel, selArgs, count, countArgs, limit, sortName, nil
}

func sortedStrings(s []string) []string {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	return s
}

// likePattern escapes s for a LIKE match anywhere in a column.
func likePattern(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(s)) + "%"
}

// runList runs q and returns one page. fields returns a new record and the
// destinations its columns scan into, in the order q.columns lists them.
func runList[T any](ctx context.Context, db *DB, q *listQuery, o list.Options, fields func() (*T, []any)) (list.Page[T], error) {
	var page list.Page[T]
	sel, selArgs, count, countArgs, limit, sortName, err := q.build(o)
	if err != nil {
		return page, err
	}
	if err := db.rq.QueryRowContext(ctx, db.rebind(count), countArgs...).Scan(&page.Total); err != nil {
		return page, fmt.Errorf("count: %w", err)
	}
	rows, err := db.rq.QueryContext(ctx, db.rebind(sel), selArgs...)
	if err != nil {
		return page, db.listError(ctx, q, o, err)
	}
	defer rows.Close()
	var lastSort, lastKey any
	page.Items = []T{}
	for rows.Next() {
		rec, dest := fields()
		var sv, kv any
		if err := rows.Scan(append(dest, &sv, &kv)...); err != nil {
			return page, err
		}
		if len(page.Items) == limit {
			page.Next = encodeCursor(cursor{Sort: sortName, Value: normalizeScalar(lastSort), Key: normalizeScalar(lastKey)})
			break
		}
		page.Items = append(page.Items, *rec)
		lastSort, lastKey = sv, kv
	}
	if err := rows.Err(); err != nil {
		return page, db.listError(ctx, q, o, err)
	}
	return page, nil
}

// listError is the error of a page query that failed. A cursor holds the
// sort value and key it was given out with, and nothing checks their types
// against the columns: a cursor whose value the database cannot compare
// with its column (text or a number beyond int64 for an integer column, a
// boolean; PostgreSQL refuses them, SQLite compares them) was not one this
// server gave out. When the same page without the cursor runs, the cursor
// was at fault, and the caller is told so rather than answered 500.
func (db *DB) listError(ctx context.Context, q *listQuery, o list.Options, err error) error {
	if o.Cursor == "" {
		return fmt.Errorf("list: %w", err)
	}
	o.Cursor = ""
	sel, selArgs, _, _, _, _, berr := q.build(o)
	if berr != nil {
		return fmt.Errorf("list: %w", err)
	}
	rows, rerr := db.rq.QueryContext(ctx, db.rebind(sel), selArgs...)
	if rerr != nil {
		return fmt.Errorf("list: %w", err)
	}
	rows.Close()
	return fault.Field("cursor", "is not a cursor this server gave out")
}

// normalizeScalar turns driver values into what a cursor can carry.
func normalizeScalar(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case bool:
		if x {
			return int64(1)
		}
		return int64(0)
	}
	return v
}
