package mcp

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/modelcontextprotocol/go-sdk/jsonrpc"

	"gatehouse/domain"
)

func TestHandlerScopeRefusalGetsTheToolRefusalForm(t *testing.T) {
	refusal := domain.ErrInsufficientScope(`the resources and prompts of upstream "m3" need scope read:mimic-data`, domain.NewScopes("read:mimic-data"))
	var wire *jsonrpc.Error
	if !errors.As(refusalError(fmt.Errorf("read: %w", refusal)), &wire) {
		t.Fatal("a scope refusal did not become a JSON-RPC error")
	}
	var data map[string]string
	if err := json.Unmarshal(wire.Data, &data); err != nil {
		t.Fatal(err)
	}
	if wire.Code != codeInsufficientScope || data["error"] != "insufficient_scope" || data["scope"] != "read:mimic-data" {
		t.Errorf("refusal = %d %q %v, want code %d with the scope in data", wire.Code, wire.Message, data, codeInsufficientScope)
	}
	other := errors.New("upstream said no")
	if got := refusalError(other); got != other {
		t.Errorf("another error became %v", got)
	}
}
