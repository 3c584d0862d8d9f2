package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/longhaul/longhaul/internal/access"
	"github.com/longhaul/longhaul/internal/store"
)

func accessService(db *store.DB) *access.Service {
	return &access.Service{Store: store.Access{DB: db}, Read: db, Factor: &access.SecondFactor{Store: store.Factors{DB: db}, Read: db}, Keys: db}
}

// subcommand splits "user add …" into "add" and the rest.
func subcommand(args []string, stdio IO, usage string) (string, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(stdio.Out, usage)
			return "", nil, errHelpShown
		}
		fmt.Fprintln(stdio.Err, usage)
		return "", nil, ErrUsage
	}
	return args[0], args[1:], nil
}

var errHelpShown = fmt.Errorf("help shown")

// readSecret reads a password from the first line of r.
func readSecret(r io.Reader) (string, error) {
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil && line == "" {
		return "", fmt.Errorf("read the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

const userUsage = `Usage:
  longhaul user add --name NAME --nation DEU --role ROLE[,ROLE] [--clearance "NATO RESTRICTED"] [--site PL-RZE] [--display "Full Name"] [--password-stdin]
  longhaul user list
  longhaul user role --name NAME --role ROLE[,ROLE] [--clearance C] [--nation N] [--site S]
  longhaul user disable --name NAME
  longhaul user enable --name NAME
  longhaul user password --name NAME [--password-stdin]
  longhaul user factor --name NAME          (the user's second factors: codes, recovery codes left, passkeys)
  longhaul user reset-factor --name NAME    (remove a lost second factor and end the user's sessions)
Without --password-stdin a random password is made and printed once.
Roles: coordinator, nation_officer, recipient_officer, hub_operator, facility_manager, analyst, auditor, admin.`

func runUser(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, userUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("user "+sub, strings.SplitN(userUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	name := fs.String("name", "", "user name")
	display := fs.String("display", "", "display name")
	nation := fs.String("nation", "", "the user's nation (ISO alpha-3)")
	roles := fs.String("role", "", "roles, comma-separated")
	clearance := fs.String("clearance", "", "NATO UNCLASSIFIED, NATO RESTRICTED, NATO CONFIDENTIAL or NATO SECRET")
	site := fs.String("site", "", "the site a hub operator or facility manager works at, e.g. PL-RZE")
	pwStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parseNoArgs(fs, rest, env, stdio); err != nil {
		return err
	}
	if sub != "list" && *name == "" {
		fmt.Fprintln(stdio.Err, "longhaul user "+sub+": --name is required")
		return ErrUsage
	}
	db, err := createDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := accessService(db)
	password := func() (string, bool, error) {
		if *pwStdin {
			pw, err := readSecret(stdio.In)
			return pw, false, err
		}
		return access.RandomToken(15), true, nil
	}
	switch sub {
	case "add":
		rs, err := access.ParseRoles(*roles)
		if err != nil {
			return err
		}
		cl, err := access.ParseClassification(*clearance)
		if err != nil {
			return err
		}
		pw, generated, err := password()
		if err != nil {
			return err
		}
		u, err := svc.CreateUser(ctx, access.NewUser{Name: *name, DisplayName: *display, Nation: *nation, Roles: rs, Clearance: cl, Site: *site, Password: pw})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Created user %s (%s, %s, cleared to %s).\n", u.Name, u.Nation, joinRoleNames(u.Roles), u.Clearance)
		if generated {
			fmt.Fprintf(stdio.Out, "Password (shown once): %s\n", pw)
		}
	case "list":
		users, err := db.Users(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "NAME\tNATION\tROLES\tCLEARANCE\tSTATE")
		for _, u := range users {
			state := "active"
			if u.Disabled {
				state = "disabled"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", u.Name, u.Nation, joinRoleNames(u.Roles), u.Clearance, state)
		}
		return tw.Flush()
	case "role":
		rs, err := access.ParseRoles(*roles)
		if err != nil {
			return err
		}
		var cl *access.Classification
		if *clearance != "" {
			c, err := access.ParseClassification(*clearance)
			if err != nil {
				return err
			}
			cl = &c
		}
		u, err := svc.UpdateUser(ctx, *name, "role", func(u *access.User) error {
			u.Roles = rs
			if cl != nil {
				u.Clearance = *cl
			}
			if *nation != "" {
				u.Nation = strings.ToUpper(*nation)
			}
			if *site != "" {
				u.Site = strings.ToUpper(*site)
			}
			return nil
		})
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "User %s: %s, %s, cleared to %s.\n", u.Name, u.Nation, joinRoleNames(u.Roles), u.Clearance)
	case "disable", "enable":
		u, err := svc.UpdateUser(ctx, *name, sub, func(u *access.User) error { u.Disabled = sub == "disable"; return nil })
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "User %s is %sd.\n", u.Name, sub)
	case "password":
		pw, generated, err := password()
		if err != nil {
			return err
		}
		if err := svc.SetPassword(ctx, *name, pw); err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Password of %s changed.\n", *name)
		if generated {
			fmt.Fprintf(stdio.Out, "Password (shown once): %s\n", pw)
		}
	case "factor":
		f, err := svc.FactorSummaryOf(ctx, *name)
		if err != nil {
			return err
		}
		codes := map[string]string{"active": fmt.Sprintf("active, %d recovery codes left", f.RecoveryCodesLeft), "enrolling": "being set up, not yet confirmed", "none": "none"}[f.TOTP]
		fmt.Fprintf(stdio.Out, "Second factor of %s\nCodes (TOTP): %s\n", f.User, codes)
		if len(f.Passkeys) == 0 {
			fmt.Fprintln(stdio.Out, "Passkeys: none")
			break
		}
		switch {
		case !f.PasskeysOffered:
			fmt.Fprintf(stdio.Out, "Passkeys: %d, none usable: this server does not offer passkeys\n", len(f.Passkeys))
		default:
			fmt.Fprintf(stdio.Out, "Passkeys: %d, %d usable on this server's site %s\n", len(f.Passkeys), f.PasskeysUsable, f.Site)
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tSITE\tNAME\tREGISTERED\tLAST USED")
		for _, p := range f.Passkeys {
			used := "never"
			if p.LastUsedAt != nil {
				used = p.LastUsedAt.UTC().Format("2006-01-02 15:04 UTC")
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\n", p.ID, p.Site, p.Name, p.CreatedAt.UTC().Format("2006-01-02 15:04 UTC"), used)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	case "reset-factor":
		if err := svc.ResetFactor(ctx, *name); err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Second factor of %s reset: they sign in with the password and set up a new one.\n", *name)
	default:
		fmt.Fprintf(stdio.Err, "longhaul user: unknown subcommand %q\n%s\n", sub, userUsage)
		return ErrUsage
	}
	return nil
}

func joinRoleNames(rs []access.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ",")
}

const tokenUsage = `Usage:
  longhaul token create --user NAME [--name LABEL] [--expires 90d]
  longhaul token list [--user NAME]
  longhaul token revoke ID
The token is printed once; Longhaul keeps only its hash.`

func runToken(ctx context.Context, args []string, env Env, stdio IO) error {
	sub, rest, err := subcommand(args, stdio, tokenUsage)
	if err != nil {
		if err == errHelpShown {
			return nil
		}
		return err
	}
	fs := flags("token "+sub, strings.SplitN(tokenUsage, "\n", 2)[1], stdio)
	dsn := dbFlag(fs)
	user := fs.String("user", "", "the user the token acts as")
	label := fs.String("name", "api", "what the token is for")
	expires := fs.String("expires", "90d", "lifetime: days (90d) or hours (12h)")
	pos, err := parse(fs, rest, env)
	if err != nil {
		return err
	}
	db, err := openDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	svc := accessService(db)
	switch sub {
	case "create":
		if *user == "" {
			fmt.Fprintln(stdio.Err, "longhaul token create: --user is required")
			return ErrUsage
		}
		ttl, err := access.ParseLifetime(*expires)
		if err != nil {
			return err
		}
		t, secret, err := svc.CreateToken(ctx, *user, *label, ttl)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Token %d for %s, expires %s. Send it as 'Authorization: Bearer TOKEN'. Shown once:\n%s\n", t.ID, t.UserName, t.ExpiresAt.Format(time.RFC3339), secret)
	case "list":
		var uid int64
		if *user != "" {
			u, err := db.UserByName(ctx, *user)
			if err != nil {
				return err
			}
			uid = u.ID
		}
		ts, err := db.Tokens(ctx, uid)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(stdio.Out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tUSER\tNAME\tHINT\tEXPIRES\tLAST USED\tSTATE")
		for _, t := range ts {
			used, state := "never", "active"
			if t.LastUsedAt != nil {
				used = t.LastUsedAt.Format(time.RFC3339)
			}
			if t.RevokedAt != nil {
				state = "revoked"
			} else if !t.Active(time.Now()) {
				state = "expired"
			}
			fmt.Fprintf(tw, "%d\t%s\t%s\t%s…\t%s\t%s\t%s\n", t.ID, t.UserName, t.Name, t.Hint, t.ExpiresAt.Format("2006-01-02"), used, state)
		}
		return tw.Flush()
	case "revoke":
		if len(pos) != 1 {
			fmt.Fprintln(stdio.Err, "longhaul token revoke: give the token's ID (see 'longhaul token list')")
			return ErrUsage
		}
		id, err := strconv.ParseInt(pos[0], 10, 64)
		if err != nil {
			return fmt.Errorf("%q is not a token ID", pos[0])
		}
		if _, err := svc.RevokeToken(ctx, id); err != nil {
			return err
		}
		fmt.Fprintf(stdio.Out, "Token %d revoked.\n", id)
	default:
		fmt.Fprintf(stdio.Err, "longhaul token: unknown subcommand %q\n%s\n", sub, tokenUsage)
		return ErrUsage
	}
	return nil
}
