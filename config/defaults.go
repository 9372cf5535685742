package config

import "time"

// Defaults is the configuration Gatehouse runs with when nothing is
// configured: development mode on loopback, built-in issuer, memory store.
// Load turns dev off again as soon as a config file is given.
func Defaults() Config {
	return Config{
		Dev: true,
		Log: Log{Level: "info", Format: "text"},
		Server: Server{
			Listen:          "127.0.0.1:8000",
			BaseURL:         "http://localhost:8000",
			ShutdownTimeout: 10 * time.Second,
		},
		Auth: Auth{
			Mode: "builtin",
			Builtin: Builtin{
				AccessTokenTTL:     15 * time.Minute,
				Leeway:             30 * time.Second,
				KeyReloadInterval:  30 * time.Second,
				RefreshTokenTTL:    720 * time.Hour,
				CodeTTL:            60 * time.Second,
				AuthRequestTTL:     10 * time.Minute,
				LoginSessionTTL:    12 * time.Hour,
				LoginAttempts:      5,
				LoginWindow:        15 * time.Minute,
				SigningAlg:         "ES256",
				RequirePKCE:        true,
				AllowPublicClients: true,
				Scopes:             []string{"read", "write", "admin"},
				Registration: Registration{
					Policy: "open",
					Scopes: []string{"read", "write"},
				},
				ClientMetadata: ClientMetadata{
					Enabled:  true,
					CacheTTL: 5 * time.Minute,
					Timeout:  5 * time.Second,
				},
			},
			External: External{
				Algorithms:             []string{"RS256", "ES256"},
				ValidateExp:            true,
				ValidateAud:            true,
				ValidateIss:            true,
				Leeway:                 30 * time.Second,
				JWKSCacheTTL:           time.Hour,
				JWKSStaleWindow:        10 * time.Minute,
				JWKSMinRefreshInterval: 10 * time.Second,
			},
		},
		RateLimit: RateLimit{
			Enabled:       true,
			Requests:      100,
			Window:        3600 * time.Second,
			OAuthRequests: 120,
			OAuthWindow:   60 * time.Second,
		},
		Store: Store{
			Driver:   "memory",
			Redis:    Redis{Prefix: "gatehouse:"},
			Postgres: Postgres{AutoMigrate: true},
		},
		Sessions: Sessions{
			TTL:        30 * time.Minute,
			MaxPerUser: 10,
			Sliding:    true,
		},
		Tools: Tools{
			DefaultScopes: []string{"read"},
			Implications: map[string][]string{
				"admin": {"write"},
				"write": {"read"},
			},
		},
		Telemetry: Telemetry{Metrics: true},
		Audit:     Audit{RingSize: 1000},
	}
}
