//go:build !unix

package store

import "os"

// flock takes no lock where the system has no flock: a restore there
// cannot tell that a server has the database open, as the docs say.
func flock(f *os.File, exclusive bool) (bool, error) { return true, nil }
