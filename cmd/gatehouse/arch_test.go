package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependenciesPointInward enforces the hexagon: domain imports nothing
// of ours, ports only domain, app only domain and ports, and adapters never
// each other except the driving edge's use of app (DESIGN.md "The rooms").
func TestDependenciesPointInward(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`, "gatehouse/...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := func(pkg, imp string) bool {
		switch {
		case strings.HasPrefix(pkg, "gatehouse/domain"):
			return false
		case strings.HasPrefix(pkg, "gatehouse/ports"):
			return imp == "gatehouse/domain"
		case strings.HasPrefix(pkg, "gatehouse/app"):
			return imp == "gatehouse/domain" || imp == "gatehouse/ports"
		case strings.HasPrefix(pkg, "gatehouse/config"):
			return imp == "gatehouse/domain"
		case strings.HasPrefix(pkg, "gatehouse/adapters/"):
			// An adapter may use the inner rooms, and its own sub-packages
			// (a store's conformance suite); never another adapter.
			if imp == "gatehouse/domain" || imp == "gatehouse/ports" || imp == "gatehouse/app" {
				return true
			}
			return strings.HasPrefix(imp, "gatehouse/adapters/store/storetest") && strings.HasPrefix(pkg, "gatehouse/adapters/store/") ||
				strings.HasPrefix(imp, "gatehouse/adapters/ratelimit/ratelimittest") && strings.HasPrefix(pkg, "gatehouse/adapters/ratelimit/")
		default: // cmd and e2e compose everything
			return true
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := fields[0]
		for _, imp := range fields[1:] {
			if strings.HasPrefix(imp, "gatehouse/") && !allowed(pkg, imp) {
				t.Errorf("%s imports %s: arrows must point inward", pkg, imp)
			}
		}
	}
}
