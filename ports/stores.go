package ports

import "context"

// Pinger reports whether a backend is reachable (readiness).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Stores bundles every store port for wiring and for the one conformance
// suite; use cases hold only the ports they call.
type Stores struct {
	Clients      ClientStore
	Grants       GrantStore
	Revocations  RevocationList
	AuthRequests AuthRequestStore
	Consents     ConsentStore
	Sessions     SessionStore
	Keys         KeyStore
	Users        UserDirectory
	Pinger       Pinger
}
