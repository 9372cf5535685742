package upstream

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"path"
	"slices"
	"strings"

	mcpsdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"gatehouse/domain"
)

type kind uint8

const (
	kindTools kind = 1 << iota
	kindPrompts
	kindResources
	allKinds = kindTools | kindPrompts | kindResources
)

// exports is what an upstream currently exports, keyed by exported name
// (tools, prompts) or by URI (resources, templates). The values are
// JSON encodings, compared to skip re-adding what did not change (each
// change is announced to every connected client).
type exports struct {
	tools     map[string]exportedTool
	prompts   map[string]exported
	resources map[string]exported
	templates map[string]exported
	// refused says which names were refused for colliding, for /readyz.
	refused string
}

type exported struct {
	original string // the upstream's own name or URI
	encoded  string
}

type exportedTool struct {
	exported
	scopes domain.Scopes
}

func (u *upstream) exportedName(original string) string { return u.cfg.Prefix + original }

// admits applies the include and exclude globs to an upstream's own name.
func (u *upstream) admits(name string) bool {
	if len(u.cfg.Include) > 0 && !matchAny(u.cfg.Include, name) {
		return false
	}
	return !matchAny(u.cfg.Exclude, name)
}

func matchAny(globs []string, name string) bool {
	for _, g := range globs {
		if ok, _ := path.Match(g, name); ok {
			return true
		}
	}
	return false
}

// sync lists what the upstream offers of the given kinds and makes
// Gatehouse's server export exactly that. Names that another upstream or
// Gatehouse itself already uses are refused: on the first connection
// that is an error (start-up stops), later it is logged and the rest is
// served.
func (u *upstream) sync(ctx context.Context, cs *mcpsdk.ClientSession, kinds kind) error {
	srv := u.g.mcpServer()
	if srv == nil {
		return fmt.Errorf("gateway not registered with an MCP server")
	}
	caps := &mcpsdk.ServerCapabilities{}
	if init := cs.InitializeResult(); init != nil && init.Capabilities != nil {
		caps = init.Capabilities
	}
	var refused []string
	if kinds&kindTools != 0 && caps.Tools != nil {
		r, err := u.syncTools(ctx, cs, srv)
		if err != nil {
			return err
		}
		refused = append(refused, r...)
	}
	if kinds&kindPrompts != 0 && caps.Prompts != nil {
		r, err := u.syncPrompts(ctx, cs, srv)
		if err != nil {
			return err
		}
		refused = append(refused, r...)
	}
	if kinds&kindResources != 0 && caps.Resources != nil {
		r, err := u.syncResources(ctx, cs, srv)
		if err != nil {
			return err
		}
		refused = append(refused, r...)
	}
	u.mu.Lock()
	if len(refused) > 0 {
		u.exports.refused = "refused (name taken): " + strings.Join(refused, ", ")
	} else if kinds == allKinds {
		u.exports.refused = ""
	}
	firstTime := u.state != "up"
	u.mu.Unlock()
	if len(refused) > 0 {
		err := fmt.Errorf("exported names already taken by Gatehouse or another upstream: %s", strings.Join(refused, ", "))
		if firstTime && u.firstPending() {
			return err
		}
		u.log.Error("upstream names refused", "error", err)
	}
	return nil
}

func (u *upstream) firstPending() bool {
	select {
	case <-u.first:
		return false
	default:
		return true
	}
}

func (u *upstream) syncTools(ctx context.Context, cs *mcpsdk.ClientSession, srv *mcpsdk.Server) ([]string, error) {
	next := map[string]*mcpsdk.Tool{}
	for t, err := range cs.Tools(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("tools/list: %w", err)
		}
		if t == nil || !u.admits(t.Name) {
			continue
		}
		if err := exportableTool(t); err != nil {
			u.log.Warn("upstream tool not exported", "tool", t.Name, "error", err)
			continue
		}
		next[u.exportedName(t.Name)] = t
	}
	refused := u.g.claim(u, toolNames, slices.Collect(maps.Keys(next)), nil)
	for _, n := range refused {
		delete(next, n)
	}
	u.mu.Lock()
	old := u.exports.tools
	u.mu.Unlock()
	fresh := make(map[string]exportedTool, len(next))
	var gone []string
	for name := range old {
		if _, ok := next[name]; !ok {
			gone = append(gone, name)
		}
	}
	for name, t := range next {
		fresh[name] = exportedTool{exported: exported{original: t.Name, encoded: encode(t)}, scopes: hintScopes(t)}
	}
	// A tool's scope is known before the tool is served: while tools are
	// added, the old and the new ones' scopes are both held, the new
	// winning for a tool that changed.
	merged := maps.Clone(old)
	if merged == nil {
		merged = map[string]exportedTool{}
	}
	maps.Copy(merged, fresh)
	u.mu.Lock()
	u.exports.tools = merged
	u.mu.Unlock()
	for _, name := range slices.Sorted(maps.Keys(next)) {
		t := next[name]
		if prev, ok := old[name]; ok && prev.encoded == fresh[name].encoded {
			continue
		}
		out := *t
		out.Name = name
		if err := addTool(srv, &out, u.callTool(t.Name)); err != nil {
			u.log.Warn("upstream tool not exported", "tool", t.Name, "error", err)
			delete(fresh, name)
			if _, served := old[name]; served {
				// Its earlier version must not stay served under a scope
				// that no longer describes it.
				gone = append(gone, name)
			}
		}
	}
	// A removed tool leaves the server before its scope goes.
	if len(gone) > 0 {
		srv.RemoveTools(gone...)
	}
	u.mu.Lock()
	u.exports.tools = fresh
	u.mu.Unlock()
	if len(gone) > 0 {
		u.g.release(u, toolNames, gone, nil)
	}
	return refused, nil
}

func (u *upstream) syncPrompts(ctx context.Context, cs *mcpsdk.ClientSession, srv *mcpsdk.Server) ([]string, error) {
	next := map[string]*mcpsdk.Prompt{}
	for p, err := range cs.Prompts(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("prompts/list: %w", err)
		}
		if p == nil || !u.admits(p.Name) {
			continue
		}
		next[u.exportedName(p.Name)] = p
	}
	refused := u.g.claim(u, promptNames, slices.Collect(maps.Keys(next)), nil)
	for _, n := range refused {
		delete(next, n)
	}
	u.mu.Lock()
	old := u.exports.prompts
	u.mu.Unlock()
	fresh, gone := diff(old, next, func(p *mcpsdk.Prompt) string { return p.Name }, func(name string, p *mcpsdk.Prompt) {
		out := *p
		out.Name = name
		srv.AddPrompt(&out, u.getPrompt(p.Name))
	})
	u.mu.Lock()
	u.exports.prompts = fresh
	u.mu.Unlock()
	if len(gone) > 0 {
		srv.RemovePrompts(gone...)
		u.g.release(u, promptNames, gone, nil)
	}
	return refused, nil
}

// syncResources re-exports resources and templates under their own URIs:
// a URI names a resource wherever it is read, and tool results quote them.
func (u *upstream) syncResources(ctx context.Context, cs *mcpsdk.ClientSession, srv *mcpsdk.Server) ([]string, error) {
	resources := map[string]*mcpsdk.Resource{}
	for r, err := range cs.Resources(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("resources/list: %w", err)
		}
		if r != nil && r.URI != "" {
			resources[r.URI] = r
		}
	}
	templates := map[string]*mcpsdk.ResourceTemplate{}
	for t, err := range cs.ResourceTemplates(ctx, nil) {
		if err != nil {
			return nil, fmt.Errorf("resources/templates/list: %w", err)
		}
		if t != nil && t.URITemplate != "" {
			templates[t.URITemplate] = t
		}
	}
	refused := u.g.claim(u, toolNames, nil, append(slices.Collect(maps.Keys(resources)), slices.Collect(maps.Keys(templates))...))
	for _, uri := range refused {
		delete(resources, uri)
		delete(templates, uri)
	}
	u.mu.Lock()
	oldR, oldT := u.exports.resources, u.exports.templates
	u.mu.Unlock()
	freshR, goneR := diff(oldR, resources, func(r *mcpsdk.Resource) string { return r.URI }, func(_ string, r *mcpsdk.Resource) {
		out := *r
		srv.AddResource(&out, u.readResource)
	})
	freshT, goneT := diff(oldT, templates, func(t *mcpsdk.ResourceTemplate) string { return t.URITemplate }, func(_ string, t *mcpsdk.ResourceTemplate) {
		out := *t
		addTemplate(srv, &out, u.readResource, u.log)
	})
	u.mu.Lock()
	u.exports.resources, u.exports.templates = freshR, freshT
	u.mu.Unlock()
	if len(goneR) > 0 {
		srv.RemoveResources(goneR...)
	}
	if len(goneT) > 0 {
		srv.RemoveResourceTemplates(goneT...)
	}
	u.g.release(u, toolNames, nil, append(goneR, goneT...))
	return refused, nil
}

// diff adds what is new or changed in next and returns the new export map
// and the keys that are gone.
func diff[T any](old map[string]exported, next map[string]T, original func(T) string, add func(string, T)) (map[string]exported, []string) {
	fresh := make(map[string]exported, len(next))
	var gone []string
	for k := range old {
		if _, ok := next[k]; !ok {
			gone = append(gone, k)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(next)) {
		v := next[k]
		e := exported{original: original(v), encoded: encode(v)}
		fresh[k] = e
		if prev, ok := old[k]; ok && prev.encoded == e.encoded {
			continue
		}
		add(k, v)
	}
	return fresh, gone
}

func encode(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// hintScopes is the scope a tool asks for by its annotations.
func hintScopes(t *mcpsdk.Tool) domain.Scopes {
	var h domain.ToolHints
	if a := t.Annotations; a != nil {
		h = domain.ToolHints{ReadOnly: a.ReadOnlyHint, Destructive: a.DestructiveHint}
	}
	return domain.ScopesForHints(h)
}

// exportableTool refuses tools the SDK server would reject: it panics on
// an input schema that is not a JSON object schema.
func exportableTool(t *mcpsdk.Tool) error {
	var schema map[string]any
	b, err := json.Marshal(t.InputSchema)
	if err != nil || json.Unmarshal(b, &schema) != nil {
		return fmt.Errorf("input schema is not a JSON object")
	}
	if schema["type"] != "object" {
		return fmt.Errorf(`input schema type is %v, not "object"`, schema["type"])
	}
	return nil
}

// addTool adds the tool, turning the SDK's panic on a tool it cannot serve
// into an error: an upstream's odd tool must not take Gatehouse down.
func addTool(srv *mcpsdk.Server, t *mcpsdk.Tool, h mcpsdk.ToolHandler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	srv.AddTool(t, h)
	return nil
}

func addTemplate(srv *mcpsdk.Server, t *mcpsdk.ResourceTemplate, h mcpsdk.ResourceHandler, log interface {
	Warn(string, ...any)
}) {
	defer func() {
		if r := recover(); r != nil {
			log.Warn("upstream resource template not exported", "template", t.URITemplate, "error", fmt.Sprint(r))
		}
	}()
	srv.AddResourceTemplate(t, h)
}

// toolScopes is the hint-derived scope of an exported tool.
func (u *upstream) toolScopes(name string) (domain.Scopes, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.exports.tools[name]
	return t.scopes, ok
}

// originalName maps an exported tool or prompt name back to the upstream's.
func (u *upstream) originalPrompt(name string) (string, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	p, ok := u.exports.prompts[name]
	return p.original, ok
}
