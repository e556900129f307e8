package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// TestResourceLines: each resource of a configure document is found on the
// line its object starts, by its id, its resourceName, and (without an id)
// its type and index among that type's, whatever the layout and whatever
// else the document holds; a name not in it is found nowhere.
func TestResourceLines(t *testing.T) {
	const doc = `{
  "$schema": "https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2",
  "extra": {"resources": [{"id": "decoy"}], "list": [1, [2, {"id": "decoy2"}]]},
  "resources": [
    {
      "$schema": "https://schema.mp.microsoft.com/schema/listing/2022-03-01-preview2",
      "id": "listing/P/main/en-us",
      "nested": {"id": "inner", "resources": [{"id": "deeper"}]},
      "description": "a { that is \" text\n"
    },
    { "$schema": "https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview2", "resourceName": "gen2",
      "vmImageVersions": [{"versionNumber": "1.0"}] },
    "not an object",
    [{"id": "in an array"}],
    {"$schema": "https://schema.mp.microsoft.com/schema/virtual-machine-plan-technical-configuration/2022-03-01-preview2",
     "id": 7},
    {"$schema": "https://schema.mp.microsoft.com/schema/submission/2022-03-01-preview2", "id": "Submission/P/1", "resourceName": "gen2"}
  ]
}`
	d := newDocFile("release/configure.json", []byte(doc))
	for ref, want := range map[string]int{
		"listing/P/main/en-us": 5,
		"LISTING/p/MAIN/en-us": 5,  // ids compared without case
		"gen2":                 11, // the first to claim a name keeps it
		"virtual-machine-plan-technical-configuration-0": 11,
		"virtual-machine-plan-technical-configuration-1": 15, // an id that is not a string is none
		"submission/p/1": 17,
		"decoy":          0, "decoy2": 0, "inner": 0, "deeper": 0, "in an array": 0,
		"listing-0": 0, // a resource with an id goes by it
		"":          0,
	} {
		path, line, ok := d.Locate(ref)
		if ok != (want != 0) || line != want || ok && path != "release/configure.json" {
			t.Errorf("Locate(%q) = %q, %d, %v; want line %d", ref, path, line, ok, want)
		}
	}
	var none *DocFile
	if _, _, ok := none.Locate("x"); ok {
		t.Error("a nil DocFile locates something")
	}
	// A document the walk cannot follow keeps what it found before.
	if got := resourceLines([]byte(`{"resources": [{"id": "a"}, {"id": `)); got["a"] != 1 || len(got) != 1 {
		t.Errorf("truncated: %v", got)
	}
	if got := resourceLines([]byte(`[{"resources": [{"id": "a"}]}]`)); len(got) != 0 {
		t.Errorf("not an object: %v", got)
	}
}

// TestConfigureFileLocation: configure-file's document is located by the
// path as given, relative to the workspace (absolute paths under it made
// relative), and bad JSON is a FileError on the line that breaks.
func TestConfigureFileLocation(t *testing.T) {
	ws := t.TempDir()
	if err := os.MkdirAll(filepath.Join(ws, "release"), 0o700); err != nil {
		t.Fatal(err)
	}
	good := "{\"$schema\": \"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2\",\n\"resources\": [\n{\"id\": \"a\"}]}"
	bad := "{\"$schema\": \"https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2\",\n\"resources\": [\n{\"id\": \"a\"},,\n]}"
	for name, text := range map[string]string{"good.json": good, "bad.json": bad} {
		if err := os.WriteFile(filepath.Join(ws, "release", name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	getenv := func(k string) string {
		if k == "GITHUB_WORKSPACE" {
			return ws
		}
		return ""
	}
	for _, path := range []string{"release/good.json", "./release/../release/good.json", filepath.Join(ws, "release", "good.json")} {
		_, file, err := readConfigure(path, getenv)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		if p, line, ok := file.Locate("a"); !ok || p != "release/good.json" || line != 3 {
			t.Errorf("%s: resource a at %s:%d (%v); want release/good.json:3", path, p, line, ok)
		}
	}
	_, _, err := readConfigure(filepath.Join(ws, "release", "bad.json"), getenv)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != "release/bad.json" || fe.Line != 3 {
		t.Fatalf("bad JSON: %#v (%v); want a FileError at release/bad.json:3", fe, err)
	}
	if err.Error() != fe.Err.Error() || !errors.Is(err, fe.Err) {
		t.Errorf("the FileError says %q", err)
	}
}
