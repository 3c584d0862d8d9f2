package store_test

import (
	"testing"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/fault"
	"github.com/longhaul/longhaul/internal/store"
	"github.com/longhaul/longhaul/internal/store/storetest"
)

// TestPasskeys keeps passkeys on both engines: a credential comes back as
// stored, is unique within its relying party, keeps its sign counter and
// last use; a sign-in challenge is taken once; removing one of another
// user removes nothing.
func TestPasskeys(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		storetest.Seed(t, db)
		ctx := storetest.Ctx()
		users := &access.Service{Store: store.Access{DB: db}, Read: db}
		var ids []int64
		for _, name := range []string{"deu-officer", "fra-officer"} {
			u, err := users.CreateUser(ctx, access.NewUser{Name: name, Nation: "DEU", Roles: []access.Role{access.NationOfficer}, Clearance: access.Restricted, Password: "correct horse battery staple 7"})
			if err != nil {
				t.Fatal(err)
			}
			ids = append(ids, u.ID)
		}
		at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
		const rp = "longhaul.example"
		st := store.Passkeys{DB: db}
		tx := func(fn func(access.PasskeyTx) error) error { return st.Transact(ctx, fn) }
		cred := webauthn.Credential{ID: []byte{1, 2, 3, 4}, PublicKey: []byte("public key"), Authenticator: webauthn.Authenticator{SignCount: 7}}
		var pid int64
		if err := tx(func(x access.PasskeyTx) error {
			if err := x.PutPasskeyHandle(ctx, rp, ids[0], []byte("handle-0"), at); err != nil {
				return err
			}
			var err error
			pid, err = x.AddPasskey(ctx, rp, access.Passkey{UserID: ids[0], Name: "YubiKey", Credential: cred, CreatedAt: at})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if h, err := db.PasskeyHandle(ctx, rp, ids[0]); err != nil || string(h) != "handle-0" {
			t.Errorf("handle %q %v", h, err)
		}
		if _, err := db.PasskeyHandle(ctx, "other.example", ids[0]); fault.Code(err) != fault.NotFound {
			t.Errorf("a handle under another relying party: %v", err)
		}
		ps, err := db.PasskeysByUser(ctx, rp, ids[0])
		if err != nil || len(ps) != 1 || ps[0].ID != pid || ps[0].Name != "YubiKey" || string(ps[0].Credential.ID) != string(cred.ID) ||
			string(ps[0].Credential.PublicKey) != "public key" || ps[0].Credential.Authenticator.SignCount != 7 || ps[0].LastUsedAt != nil {
			t.Fatalf("passkeys %+v %v", ps, err)
		}
		// On every site: one under another relying party shows with its own.
		if err := tx(func(x access.PasskeyTx) error {
			_, err := x.AddPasskey(ctx, "other.example", access.Passkey{UserID: ids[0], Name: "Phone", Credential: webauthn.Credential{ID: []byte{9}}, CreatedAt: at})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		all, err := db.PasskeysOfUser(ctx, ids[0])
		if err != nil || len(all) != 2 || all[0].Site != rp || all[1].Site != "other.example" || all[1].Name != "Phone" {
			t.Fatalf("passkeys of every site %+v %v", all, err)
		}
		if ps, _ := db.PasskeysByUser(ctx, rp, ids[0]); len(ps) != 1 || ps[0].Site != rp {
			t.Errorf("passkeys under %s: %+v", rp, ps)
		}
		if none, err := db.PasskeysOfUser(ctx, ids[1]); err != nil || len(none) != 0 {
			t.Errorf("another user's: %+v %v", none, err)
		}
		// The same credential again, even for another user, is refused.
		err = tx(func(x access.PasskeyTx) error {
			_, err := x.AddPasskey(ctx, rp, access.Passkey{UserID: ids[1], Name: "copy", Credential: cred, CreatedAt: at})
			return err
		})
		if fault.Code(err) != fault.Conflict {
			t.Errorf("a credential twice: %v", err)
		}
		// A sign-in leaves its counter and the time.
		used := cred
		used.Authenticator.SignCount = 8
		if err := tx(func(x access.PasskeyTx) error { return x.UsePasskey(ctx, rp, pid, used, at.Add(time.Hour)) }); err != nil {
			t.Fatal(err)
		}
		if ps, _ := db.PasskeysByUser(ctx, rp, ids[0]); len(ps) != 1 || ps[0].Credential.Authenticator.SignCount != 8 || ps[0].LastUsedAt == nil || !ps[0].LastUsedAt.Equal(at.Add(time.Hour)) {
			t.Errorf("after use %+v", ps)
		}
		// A challenge is taken once; taken long ago, it is forgotten.
		take := func(ch string, when, since time.Time) bool {
			t.Helper()
			var ok bool
			if err := tx(func(x access.PasskeyTx) error {
				var err error
				ok, err = x.TakeChallenge(ctx, ch, when, since)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if !take("c-1", at, at.Add(-time.Hour)) || take("c-1", at.Add(time.Minute), at.Add(-time.Hour)) {
			t.Error("a challenge is not taken exactly once")
		}
		if !take("c-1", at.Add(2*time.Hour), at.Add(time.Hour)) {
			t.Error("a challenge taken before since is not forgotten")
		}
		// Another user's id removes nothing; the owner's removes it.
		removed := func(user int64) bool {
			var ok bool
			if err := tx(func(x access.PasskeyTx) error {
				var err error
				ok, err = x.DeletePasskey(ctx, rp, user, pid)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return ok
		}
		if removed(ids[1]) || !removed(ids[0]) {
			t.Error("a passkey is removed by the wrong user, or not by its owner")
		}
		if ps, _ := db.PasskeysByUser(ctx, rp, ids[0]); len(ps) != 0 {
			t.Errorf("left %+v", ps)
		}
	})
}
