package audit

// VerifyResult is the outcome of checking the audit chain.
type VerifyResult struct {
	Events int64  // events verified
	Head   string // hash of the last event
	Break  *Break
}
