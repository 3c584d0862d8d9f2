package cli_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/longhaul/longhaul/"

// imports reads the imports of the non-test Go files of each package under
// internal/, by package path relative to the module ("internal/web").
func imports(t *testing.T) map[string][]string {
	t.Helper()
	root := filepath.Join("..", "..")
	out := map[string][]string{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if !slices.Contains(out[pkg], p) {
				out[pkg] = append(out[pkg], p)
			}
		}
		if _, ok := out[pkg]; !ok {
			out[pkg] = nil
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// deps is every package pkg imports, directly or not, the module's by
// their relative path and the others by their import path.
func deps(all map[string][]string, pkg string) map[string]bool {
	seen := map[string]bool{}
	var walk func(string)
	walk = func(p string) {
		for _, im := range all[p] {
			dep := strings.TrimPrefix(im, module)
			if seen[dep] {
				continue
			}
			seen[dep] = true
			walk(dep)
		}
	}
	walk(pkg)
	return seen
}

// TestLayout holds the shape of the system (docs/architecture.md): web and
// report talk to services and read interfaces, never to the store; the
// store is SQL and calls no use case; the domain packages know nothing of
// storage or HTTP.
func TestLayout(t *testing.T) {
	all := imports(t)
	domains := []string{"internal/assist", "internal/catalog", "internal/logistics", "internal/repair", "internal/training",
		"internal/lessons", "internal/accounts", "internal/reliability", "internal/plan", "internal/access", "internal/audit", "internal/fault", "internal/money", "internal/check", "internal/notify"}
	for _, c := range []struct {
		pkgs   []string
		banned []string
	}{
		{[]string{"internal/web", "internal/report"}, []string{"internal/store"}},
		{[]string{"internal/store"}, []string{"internal/plan", "internal/exchange", "internal/web", "internal/cli", "internal/report"}},
		{domains, []string{"internal/store", "internal/web", "internal/cli", "internal/report", "database/sql", "net/http"}},
		{[]string{"internal/flow"}, []string{"internal/assist", "internal/logistics", "internal/plan", "internal/store"}},
	} {
		for _, pkg := range c.pkgs {
			d := deps(all, pkg)
			for _, b := range c.banned {
				if d[b] {
					t.Errorf("%s depends on %s", pkg, b)
				}
			}
		}
	}
}

// TestStoreDecidesNothing keeps the use cases out of the store: no audit
// event but the reference data's, and no permission check but the
// visibility filter of a read.
func TestStoreDecidesNothing(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "store", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	audit := regexp.MustCompile(`\.Audit\(ctx, audit\.Record\{Action: "([^"]+)"`)
	writes := regexp.MustCompile(`MayWriteFor\(|access\.Check\(`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range audit.FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[1], "reference.") {
				t.Errorf("%s writes the audit event %s: that is a use case's, in its domain package", filepath.Base(f), m[1])
			}
		}
		for _, m := range writes.FindAllString(string(b), -1) {
			t.Errorf("%s decides who may change something (%s): that is a use case's rule", filepath.Base(f), m)
		}
	}
}
