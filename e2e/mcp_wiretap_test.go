package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
)

// wireTap is an http.RoundTripper that notes the headers and status of
// every request an MCP client makes. Unlike recorder it leaves response
// bodies alone: the legacy wire keeps an event stream open indefinitely.
type wireTap struct {
	base http.RoundTripper
	mu   sync.Mutex
	log  []wireEntry
}

// wireEntry is one request as the tap saw it.
type wireEntry struct {
	Method string
	Path   string
	RPC    string // JSON-RPC method of a POST body, "" for other requests
	Tool   string // params.name of a tools/call body
	ReqHdr http.Header
	Status int
	Header http.Header
}

func newWireTap() *wireTap { return &wireTap{base: http.DefaultTransport} }

func (w *wireTap) RoundTrip(req *http.Request) (*http.Response, error) {
	e := wireEntry{Method: req.Method, Path: req.URL.Path, ReqHdr: req.Header.Clone()}
	if req.GetBody != nil {
		if body, err := req.GetBody(); err == nil {
			raw, _ := io.ReadAll(body)
			var msg struct {
				Method string `json:"method"`
				Params struct {
					Name string `json:"name"`
				} `json:"params"`
			}
			if json.Unmarshal(raw, &msg) == nil {
				e.RPC = msg.Method
				if msg.Method == "tools/call" {
					e.Tool = msg.Params.Name
				}
			}
		}
	}
	resp, err := w.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	e.Status, e.Header = resp.StatusCode, resp.Header.Clone()
	w.mu.Lock()
	w.log = append(w.log, e)
	w.mu.Unlock()
	return resp, nil
}

// entries returns the requests seen so far that match keep (all when nil).
func (w *wireTap) entries(keep func(wireEntry) bool) []wireEntry {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []wireEntry
	for _, e := range w.log {
		if keep == nil || keep(e) {
			out = append(out, e)
		}
	}
	return out
}

// rpcs returns the JSON-RPC POSTs to path with method rpc.
func (w *wireTap) rpcs(path, rpc string) []wireEntry {
	return w.entries(func(e wireEntry) bool { return e.Method == http.MethodPost && e.Path == path && e.RPC == rpc })
}

func (w *wireTap) String() string {
	var b strings.Builder
	for _, e := range w.entries(nil) {
		fmt.Fprintf(&b, "%s %s", e.Method, e.Path)
		if e.RPC != "" {
			fmt.Fprintf(&b, " [%s %s]", e.RPC, e.Tool)
		}
		for _, k := range []string{"MCP-Protocol-Version", "Mcp-Session-Id", "Mcp-Method", "Mcp-Name"} {
			if v := e.ReqHdr.Get(k); v != "" {
				fmt.Fprintf(&b, " %s=%s", k, v)
			}
		}
		if e.ReqHdr.Get("Authorization") != "" {
			b.WriteString(" +bearer")
		}
		fmt.Fprintf(&b, " -> %d", e.Status)
		if v := e.Header.Get("Mcp-Session-Id"); v != "" {
			fmt.Fprintf(&b, " Mcp-Session-Id=%s", v)
		}
		if v := e.Header.Get("WWW-Authenticate"); v != "" {
			fmt.Fprintf(&b, " WWW-Authenticate: %s", v)
		}
		b.WriteString("\n")
	}
	return b.String()
}
