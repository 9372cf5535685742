package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// mergeClaudeFile sets mcpServers[name] in Claude Desktop's configuration
// file, saving the previous content first. It returns the backup's path,
// empty when the file did not exist.
func mergeClaudeFile(file, name string, entry claudeEntry) (string, error) {
	target := file
	if t, err := filepath.EvalSymlinks(file); err == nil {
		target = t // replace the file the link points to, not the link
	}
	mode := os.FileMode(0o600)
	old, err := os.ReadFile(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
		old = nil
	case err != nil:
		return "", fmt.Errorf("config claude: read %s: %w", file, err)
	default:
		fi, err := os.Stat(target)
		if err != nil {
			return "", fmt.Errorf("config claude: %w", err)
		}
		mode = fi.Mode().Perm()
	}
	raw, err := jsonBytes(entry, "    ")
	if err != nil {
		return "", fmt.Errorf("config claude: %w", err)
	}
	merged, err := mergeClaudeConfig(old, name, raw)
	if err != nil {
		return "", fmt.Errorf("config claude: %s: %w; the file was not changed", file, err)
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		return "", fmt.Errorf("config claude: %w", err)
	}
	var backup string
	if old != nil {
		backup = target + ".bak"
		if err := writeFileAtomic(backup, old, 0o600); err != nil {
			return "", fmt.Errorf("config claude: back up %s: %w", file, err)
		}
	}
	if err := writeFileAtomic(target, merged, mode); err != nil {
		return "", fmt.Errorf("config claude: write %s: %w", file, err)
	}
	return backup, nil
}

// mergeClaudeConfig returns old with mcpServers[name] set to entry. Every
// other key keeps its place and its value's exact bytes; whitespace-only
// input counts as an empty object.
func mergeClaudeConfig(old []byte, name string, entry json.RawMessage) ([]byte, error) {
	var top []jsonMember
	if len(bytes.TrimSpace(old)) > 0 {
		var err error
		if top, err = readJSONObject(old); err != nil {
			return nil, fmt.Errorf("not a JSON object: %w", err)
		}
	}
	var servers []jsonMember
	if raw, ok := lookupMember(top, "mcpServers"); ok && string(raw) != "null" {
		var err error
		if servers, err = readJSONObject(raw); err != nil {
			return nil, fmt.Errorf("mcpServers is not a JSON object: %w", err)
		}
	}
	servers = setMember(servers, name, entry)
	var b bytes.Buffer
	writeJSONObject(&b, servers, "  ")
	top = setMember(top, "mcpServers", b.Bytes())
	var out bytes.Buffer
	writeJSONObject(&out, top, "")
	out.WriteByte('\n')
	return out.Bytes(), nil
}

// jsonMember is one key of a JSON object with its value as written.
type jsonMember struct {
	key string
	raw json.RawMessage
}

var errNotObject = errors.New("the top level is not {…}")

// readJSONObject reads an object's members in order, keeping each value's
// bytes, and refuses anything after the closing brace.
func readJSONObject(data []byte) ([]jsonMember, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	var ms []jsonMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		key, ok := tok.(string)
		if !ok {
			return nil, errNotObject
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, err
		}
		ms = append(ms, jsonMember{key, raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("data after the top-level object")
	}
	return ms, nil
}

// lookupMember finds key's value; with duplicates the last one counts, as
// in JavaScript's JSON.parse, which Claude Desktop reads the file with.
func lookupMember(ms []jsonMember, key string) (json.RawMessage, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].key == key {
			return ms[i].raw, true
		}
	}
	return nil, false
}

// setMember puts the value at key's first place and drops its duplicates,
// or appends it.
func setMember(ms []jsonMember, key string, raw json.RawMessage) []jsonMember {
	out := make([]jsonMember, 0, len(ms)+1)
	set := false
	for _, m := range ms {
		switch {
		case m.key != key:
			out = append(out, m)
		case !set:
			out = append(out, jsonMember{key, raw})
			set = true
		}
	}
	if !set {
		out = append(out, jsonMember{key, raw})
	}
	return out
}

func writeJSONObject(b *bytes.Buffer, ms []jsonMember, indent string) {
	if len(ms) == 0 {
		b.WriteString("{}")
		return
	}
	b.WriteString("{\n")
	for i, m := range ms {
		key, _ := jsonBytes(m.key, "")
		b.WriteString(indent + "  ")
		b.Write(key)
		b.WriteString(": ")
		b.Write(m.raw)
		if i < len(ms)-1 {
			b.WriteByte(',')
		}
		b.WriteByte('\n')
	}
	b.WriteString(indent + "}")
}

// writeFileAtomic replaces path with data through a temporary file in the
// same directory, so a reader never sees half a file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	tmp := f.Name()
	err = f.Chmod(mode)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
