//go:build unix

package store

import (
	"errors"
	"os"
	"syscall"
)

// flock takes a lock of the whole file f that only other flock calls see
// (SQLite's own locks are fcntl locks, which it does not touch): shared
// for a server, exclusive for a restore; without waiting. It reports
// false when another process holds a lock that conflicts.
func flock(f *os.File, exclusive bool) (bool, error) {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return false, nil
	}
	return err == nil, err
}
