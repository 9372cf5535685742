package main

import (
	"context"
	"fmt"
	"os"
	"strings"

	"golang.org/x/oauth2/clientcredentials"

	"gatehouse/adapters/tools/account"
	"gatehouse/adapters/tools/upstream"
	"gatehouse/config"
	"gatehouse/domain"
)

// buildGateway turns the upstreams configuration into a gateway, or nil when
// there are none. Credentials named by *_env keys are read here, so a
// missing one stops start-up with the key that names it.
func (s *system) buildGateway() (*upstream.Gateway, error) {
	cfg := s.cfg
	if len(cfg.Upstreams) == 0 {
		return nil, nil
	}
	ups := make([]upstream.Config, 0, len(cfg.Upstreams))
	for i, u := range cfg.Upstreams {
		key := fmt.Sprintf("upstreams[%d]", i)
		connect, err := connector(key, u)
		if err != nil {
			return nil, err
		}
		ups = append(ups, upstream.Config{
			Name:           u.Name,
			Prefix:         u.ToolPrefix(),
			Connect:        connect,
			Include:        u.Include,
			Exclude:        u.Exclude,
			Lazy:           u.Lazy,
			Timeout:        u.CallTimeout(),
			MaxConcurrency: u.Concurrency(),
			ForwardCaller:  u.ForwardCaller,
			// A second HTTP connection reaches the same server; a second
			// child process would be another server.
			SessionPerEra: u.HTTP != nil,
			Protocol:      u.Protocol,
			ReadScopes:    domain.NewScopes(u.ReadScopes...),
		})
	}
	return upstream.New(ups, upstream.Options{
		Logger:       s.log,
		Version:      version,
		Reserved:     account.ToolNames(),
		Implications: domain.ScopeImplications(cfg.Tools.Implications),
	}), nil
}

func connector(key string, u config.Upstream) (upstream.Connector, error) {
	if st := u.Stdio; st != nil {
		env := map[string]string{}
		for _, name := range st.EnvPassthrough {
			if v, ok := os.LookupEnv(name); ok {
				env[name] = v
			}
		}
		for k, v := range st.Env {
			env[k] = v
		}
		return upstream.Stdio(upstream.StdioSpec{Command: st.Command, Args: st.Args, Dir: st.Cwd, Env: env}), nil
	}
	h := u.HTTP
	spec := upstream.HTTPSpec{URL: h.URL, Headers: h.Headers}
	if h.BearerEnv != "" {
		spec.Bearer = strings.TrimSpace(os.Getenv(h.BearerEnv))
		if spec.Bearer == "" {
			return nil, fmt.Errorf("%s.http.bearer_env: %s is not set in the environment", key, h.BearerEnv)
		}
	}
	if cc := h.ClientCredentials; cc != nil {
		secret := os.Getenv(cc.ClientSecretEnv)
		if secret == "" {
			return nil, fmt.Errorf("%s.http.client_credentials.client_secret_env: %s is not set in the environment", key, cc.ClientSecretEnv)
		}
		spec.ClientCredentials = &clientcredentials.Config{
			ClientID:     cc.ClientID,
			ClientSecret: secret,
			TokenURL:     cc.TokenURL,
			Scopes:       strings.Fields(cc.Scope),
		}
	}
	return upstream.HTTP(spec), nil
}

// startTools builds the tool stack and connects the upstreams that are not
// lazy, as serve and stdio both need before they serve.
func (s *system) startTools(ctx context.Context) (*toolStack, error) {
	t, err := s.buildTools()
	if err != nil {
		return nil, err
	}
	if t.gateway != nil {
		if err := t.gateway.Start(ctx); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// closeGateway stops the upstreams; nil-safe.
func (t *toolStack) closeGateway() {
	if t.gateway != nil {
		t.gateway.Close()
	}
}

// upstreamStatus is each upstream's state for /readyz; nil without any.
func (t *toolStack) upstreamStatus() map[string]string {
	if t.gateway == nil {
		return nil
	}
	return t.gateway.Status()
}
