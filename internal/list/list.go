// Package list owns the shape of a paged list: how a caller asks for a
// sort order, a page size and the page after a cursor, and what a page
// holds. It knows nothing of SQL or HTTP and imports nothing of ours.
package list

// Page is one page of a list: its records, the cursor of the next page
// (empty on the last), and the number of records matching the filter.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
	Total int64  `json:"total"`
}

// Options says how to sort and page a list.
type Options struct {
	Sort   string // a column name, "-" before it for descending
	Limit  int    // 1 to 1000; 0 means 50
	Cursor string // from the previous page's Next
}

// MaxLimit is the largest page.
const MaxLimit = 1000
