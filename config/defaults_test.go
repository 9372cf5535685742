package config

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

func TestDefaultsAreValid(t *testing.T) {
	if err := Defaults().Validate(); err != nil {
		t.Fatalf("Defaults().Validate() = %v", err)
	}
}

func TestLoadWithNothingIsDefaults(t *testing.T) {
	got := mustLoad(t, nil, nil)
	if diff := cmp.Diff(Defaults(), got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("Load(nil, nil) differs from Defaults() (-want +got):\n%s", diff)
	}
}

func TestDevDefault(t *testing.T) {
	file := writeYAML(t, "log: {level: info}\n")
	devFile := writeYAML(t, "dev: true\n")
	tests := []struct {
		name string
		args []string
		env  []string
		want bool
	}{
		{name: "no file", want: true},
		{name: "file by flag", args: []string{"--config", file}, want: false},
		{name: "file by env", env: []string{"GATEHOUSE_CONFIG=" + file}, want: false},
		{name: "file turns it on", args: []string{"--config", devFile}, want: true},
		{name: "env off without file", env: []string{"GATEHOUSE_DEV=false"}, want: false},
		{name: "env on with file", args: []string{"--config", file}, env: []string{"GATEHOUSE_DEV=true"}, want: true},
		{name: "flag off without file", args: []string{"--dev=false"}, want: false},
		{name: "flag on with file", args: []string{"--config", file, "--dev"}, want: true},
		{name: "flag beats env", args: []string{"--dev"}, env: []string{"GATEHOUSE_DEV=0"}, want: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustLoad(t, tt.args, tt.env).Dev; got != tt.want {
				t.Errorf("Dev = %v, want %v", got, tt.want)
			}
		})
	}
}
