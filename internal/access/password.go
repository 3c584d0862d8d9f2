package access

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/longhaul/longhaul/internal/fault"
)

// MinPasswordLength is the shortest password accepted.
const MinPasswordLength = 12

//go:embed data/common-passwords.txt
var commonPasswordsText []byte

var commonPasswords = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(commonPasswordsText))
	for sc.Scan() {
		if w := strings.TrimSpace(sc.Text()); w != "" {
			m[w] = true
		}
	}
	return m
}()

// CheckPassword refuses a password that is too short or common.
func CheckPassword(pw string) error {
	if utf8.RuneCountInString(pw) < MinPasswordLength {
		return fault.Field("password", "must be at least %d characters", MinPasswordLength)
	}
	if len(pw) > 1024 {
		return fault.Field("password", "must be at most 1024 bytes")
	}
	if commonPasswords[strings.ToLower(pw)] {
		return fault.Field("password", "is on the list of common passwords: choose another")
	}
	return nil
}

// argon2id parameters: OWASP's recommendation of 19 MiB, 2 passes, 1 lane.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// HashPassword returns an encoded argon2id hash of pw with a random salt.
func HashPassword(pw string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// VerifyPassword reports whether pw matches the encoded hash, in constant
// time with respect to the key.
func VerifyPassword(encoded, pw string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is verified against when there is no password to verify (no
// such name, a disabled account, one without a password of Longhaul's),
// so that a sign-in takes as long whichever it is.
var dummyHash, _ = HashPassword("not a password of anyone's")

// passwordHolds reports whether pw is the password of u (found: the name
// exists), spending exactly one verification of an argon2id hash whatever
// the case: against a dummy hash when the name does not exist, the
// account is disabled or has no password of Longhaul's (single sign-on),
// so that how long a sign-in takes tells nothing of which it was.
func (s *Service) passwordHolds(u User, found bool, pw string) bool {
	usable := found && !u.Disabled && u.PasswordHash != ""
	hash := dummyHash
	if usable {
		hash = u.PasswordHash
	}
	verify := s.verify
	if verify == nil {
		verify = VerifyPassword
	}
	return verify(hash, pw) && usable
}

// RandomToken returns n random bytes encoded for URLs and cookies.
func RandomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // the system's randomness failing is not recoverable
	}
	return base64.RawURLEncoding.EncodeToString(b)
}
