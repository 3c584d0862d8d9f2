package store

// VerifyInPartsFrom sets the chain length from which VerifyAudit reads in
// parts, and returns a function that restores it.
func VerifyInPartsFrom(n int64) func() {
	old := verifyInPartsFrom
	verifyInPartsFrom = n
	return func() { verifyInPartsFrom = old }
}
