package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func TestSecretsNeverPrint(t *testing.T) {
	c := Defaults()
	c.Auth.Builtin.Registration.Token = "s3cr3t-registration"
	c.Auth.Builtin.Users = []User{{Username: "u", Password: "s3cr3t-password"}}
	c.Auth.Builtin.Clients = []StaticClient{{ID: "c", Secret: "s3cr3t-client"}}
	c.Auth.External.ClientSecret = "s3cr3t-external"
	c.Auth.External.Introspection.ClientSecret = "s3cr3t-introspection"
	c.Store.Redis.URL = "redis://:s3cr3t-redis@host:6379"
	c.Store.Postgres.DSN = "postgres://u:s3cr3t-pg@host/db"

	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	outputs := map[string]string{
		"%v":              fmt.Sprintf("%v", c),
		"%+v":             fmt.Sprintf("%+v", c),
		"%#v":             fmt.Sprintf("%#v", c),
		"%v of a section": fmt.Sprintf("%v", c.Store),
		"json":            string(js),
	}
	for name, out := range outputs {
		t.Run(name, func(t *testing.T) {
			if strings.Contains(out, "s3cr3t") {
				t.Errorf("output leaks a secret: %s", out)
			}
			if !strings.Contains(out, "[REDACTED]") {
				t.Errorf("output has no [REDACTED] marker: %s", out)
			}
		})
	}
	if got := c.Store.Redis.URL.Reveal(); got != "redis://:s3cr3t-redis@host:6379" {
		t.Errorf("Reveal() = %q", got)
	}
}
