package main

import (
	"fmt"

	"gatehouse/adapters/token/external"
	"gatehouse/app"
	"gatehouse/domain"
)

// buildExternal wires resource-server mode: access tokens come from an
// external identity provider and are checked against its published keys.
func (sys *system) buildExternal() error {
	cfg, log := sys.cfg, sys.log
	e := cfg.Auth.External
	// The seed's switches exist for providers that cannot do better; each
	// one turned off weakens every request, so start-up says so loudly.
	for _, sw := range []struct {
		on        bool
		key, risk string
	}{
		{e.ValidateExp, "auth.external.validate_exp", "expired tokens are accepted"},
		{e.ValidateAud, "auth.external.validate_aud", "tokens issued for any other service are accepted"},
		{e.ValidateIss, "auth.external.validate_iss", "tokens from any issuer whose keys match are accepted"},
	} {
		if !sw.on {
			log.Warn("TOKEN VALIDATION WEAKENED: "+sw.key+" is false: "+sw.risk, "key", sw.key)
		}
	}
	var in *external.Introspection
	// Introspection is on when its endpoint or its client is named; an
	// empty URL is then discovered (introspection_endpoint).
	if e.Introspection.URL != "" || e.Introspection.ClientID != "" {
		id, secret := e.Introspection.ClientID, e.Introspection.ClientSecret.Reveal()
		if id == "" {
			id, secret = e.ClientID, e.ClientSecret.Reveal()
		}
		in = &external.Introspection{URL: e.Introspection.URL, ClientID: id, ClientSecret: secret}
	}
	v, err := external.New(external.Config{
		IssuerURL:          e.IssuerURL,
		JWKSURL:            e.JWKSURL,
		JWKSFile:           e.JWKSFile,
		Audience:           cfg.Audience(),
		Algorithms:         e.Algorithms,
		ValidateExp:        e.ValidateExp,
		ValidateAud:        e.ValidateAud,
		ValidateIss:        e.ValidateIss,
		RequireTyp:         e.RequireTyp,
		Leeway:             e.Leeway,
		CacheTTL:           e.JWKSCacheTTL,
		StaleWindow:        e.JWKSStaleWindow,
		MinRefreshInterval: e.JWKSMinRefreshInterval,
		ScopeClaim:         e.ScopeClaim,
		Introspection:      in,
		Logger:             log,
		Debug:              cfg.Log.Level == "debug",
		Clock:              now,
		Metrics:            sys.tel.Metrics(),
		Tracer:             sys.tel.Spans(),
	})
	if err != nil {
		return fmt.Errorf("auth.external: %w", err)
	}
	sys.ext = v
	sys.closers = append(sys.closers, func() error { v.Close(); return nil })
	sys.authn = app.Authenticator{Verifier: v, RequiredScopes: domain.NewScopes(e.RequiredScopes...), Clock: now,
		Metrics: sys.tel.Metrics(), Tracer: sys.tel.Spans()}
	return nil
}
