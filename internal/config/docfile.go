package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
)

// FileError is a problem of an input file at a place in it: the reporter
// annotates it on that line (file= and line=), so a pull request shows it in
// its diff. Path is relative to the workspace, as the runner wants it.
type FileError struct {
	Path string
	Line int // 1-based; 0 when the place is not known
	Err  error
}

func (e *FileError) Error() string { return e.Err.Error() }
func (e *FileError) Unwrap() error { return e.Err }

// DocFile is start: configure's document as it lies in the workspace: its
// path (relative to the workspace, slash-separated) and where each of its
// resources starts, so that a job error naming a resource is annotated there.
type DocFile struct {
	Path string
	// lines maps a resource's names, lower-cased, to the 1-based line its
	// object starts on: its id, its resourceName, and for a resource
	// without an id its type (from $schema) and index among that type's
	// ("virtual-machine-plan-technical-configuration-0", as Partner Center
	// names such a resource in its errors).
	lines map[string]int
}

// Locate is where ref, a job error's resourceId, lies in the document: the
// path and line of the resource it names; ok is false when it names none.
func (d *DocFile) Locate(ref string) (path string, line int, ok bool) {
	if d == nil || strings.TrimSpace(ref) == "" {
		return "", 0, false
	}
	line, ok = d.lines[strings.ToLower(strings.TrimSpace(ref))]
	return d.Path, line, ok
}

// newDocFile maps the resources of doc, valid JSON, to their lines.
func newDocFile(path string, doc []byte) *DocFile {
	return &DocFile{Path: path, lines: resourceLines(doc)}
}

// resourceLines walks doc's tokens to each object of its top-level
// resources array, noting the line it starts on and the names it goes by.
// The first resource to claim a name keeps it. doc has been checked to be
// JSON; a walk that goes wrong keeps what it found.
func resourceLines(doc []byte) map[string]int {
	lines := map[string]int{}
	d := json.NewDecoder(bytes.NewReader(doc))
	lineAt := func(offset int64) int {
		return 1 + bytes.Count(doc[:min(max(offset, 0), int64(len(doc)))], []byte("\n"))
	}
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return lines
	}
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return lines
		}
		if key != "resources" {
			if skip(d) != nil {
				return lines
			}
			continue
		}
		if t, err := d.Token(); err != nil || t != json.Delim('[') {
			return lines
		}
		perType := map[string]int{}
		for d.More() {
			t, err := d.Token()
			if err != nil {
				return lines
			}
			if t != json.Delim('{') {
				if delim, ok := t.(json.Delim); ok && skipRest(d, delim) != nil {
					return lines
				}
				continue
			}
			line := lineAt(d.InputOffset() - 1) // just past the {
			names, err := resourceNames(d)
			if err != nil {
				return lines
			}
			claim := func(name string) {
				if name = strings.ToLower(strings.TrimSpace(name)); name != "" {
					if _, taken := lines[name]; !taken {
						lines[name] = line
					}
				}
			}
			claim(names.id)
			claim(names.resourceName)
			if typ := schemaType(names.schema); typ != "" {
				if names.id == "" {
					claim(fmt.Sprintf("%s-%d", typ, perType[typ]))
				}
				perType[typ]++
			}
		}
		return lines // the first resources array is the document's
	}
	return lines
}

type names struct{ id, resourceName, schema string }

// resourceNames reads the rest of a resource object (its { read) for the
// string values of id, resourceName and $schema.
func resourceNames(d *json.Decoder) (names, error) {
	var n names
	for d.More() {
		key, err := d.Token()
		if err != nil {
			return n, err
		}
		var field *string
		switch key {
		case "id":
			field = &n.id
		case "resourceName":
			field = &n.resourceName
		case "$schema":
			field = &n.schema
		}
		if field == nil {
			if err := skip(d); err != nil {
				return n, err
			}
			continue
		}
		var v any
		if err := d.Decode(&v); err != nil {
			return n, err
		}
		if s, ok := v.(string); ok {
			*field = s
		}
	}
	_, err := d.Token() // the closing }
	return n, err
}

// skip reads past the next value, whatever it is.
func skip(d *json.Decoder) error {
	var raw json.RawMessage
	return d.Decode(&raw)
}

// skipRest reads past the rest of an array or object whose opening delim
// was read.
func skipRest(d *json.Decoder, delim json.Delim) error {
	if delim != '[' && delim != '{' {
		return nil
	}
	for d.More() {
		if delim == '{' {
			if _, err := d.Token(); err != nil { // the key
				return err
			}
		}
		if err := skip(d); err != nil {
			return err
		}
	}
	_, err := d.Token()
	return err
}

// schemaType is the resource type a $schema names: the path segment after
// /schema/ (https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2
// is listing); "" when it names none.
func schemaType(schema string) string {
	_, rest, ok := strings.Cut(schema, "/schema/")
	if !ok {
		return ""
	}
	typ, _, _ := strings.Cut(rest, "/")
	return strings.TrimSpace(typ)
}
