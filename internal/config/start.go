package config

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxConfigureFile bounds the configure document read: a product's whole
// configuration is tens of kilobytes.
const maxConfigureFile = 4 << 20

// setStart reads notification-emails, configure-file and dry-run, and checks
// start (read before the targets) against them and the targets.
func (c *Config) setStart(in func(string) string, getenv Getenv) error {
	var err error
	if c.DryRun, err = parseBool("dry-run", in("dry-run")); err != nil {
		return err
	}
	if c.Start == StartNone {
		for _, name := range []string{"notification-emails", "configure-file"} {
			if in(name) != "" {
				return fmt.Errorf("%s is for start: publish or configure; start is empty, so nothing would be sent", name)
			}
		}
		if c.DryRun {
			return errors.New("dry-run checks a start: give start (publish, add-image, go-live or configure) too")
		}
		return nil
	}
	if !c.Since.IsZero() {
		return fmt.Errorf("since and start are both given: with start, the gate follows what it starts, from the moment it sends the request")
	}
	for _, t := range c.Targets {
		switch {
		case t.OperationID != "":
			return fmt.Errorf("operation-id and start are both given: with start: %s the gate follows the operation it starts; leave operation-id empty", c.Start)
		case t.JobID != "":
			return fmt.Errorf("job-id and start are both given: with start: %s the gate follows the job it starts; leave job-id empty", c.Start)
		}
	}
	if c.API == APICPP {
		return c.setCPPStart(in)
	}
	return c.setIngestionStart(in, getenv)
}

func (c *Config) setCPPStart(in func(string) string) error {
	if c.Start == StartConfigure {
		return errors.New("start: configure is for api: product-ingestion; with api: cpp use publish, add-image or go-live")
	}
	if in("configure-file") != "" {
		return errors.New("configure-file is for start: configure (api: product-ingestion)")
	}
	emails := in("notification-emails")
	switch {
	case c.Start == StartGoLive && emails != "":
		return errors.New("notification-emails is for start: publish; the go-live request takes none")
	case c.Start == StartAddImage && emails != "":
		return errors.New("notification-emails is for start: publish; start: add-image only updates the offer's draft and publishes nothing")
	}
	if c.Start == StartPublish {
		if emails == "" {
			return errors.New("notification-emails is required with start: publish and api: cpp: Partner Center emails these addresses (comma-separated) about the publish")
		}
		var list []string
		for _, e := range strings.Split(emails, ",") {
			e = strings.TrimSpace(e)
			if !isEmail(e) {
				return fmt.Errorf("notification-emails: %q is not an email address (give them comma-separated, e.g. release@contoso.com,ops@contoso.com)", shown(e))
			}
			list = append(list, e)
		}
		c.NotificationEmails = strings.Join(list, ",")
	}
	return nil
}

func (c *Config) setIngestionStart(in func(string) string, getenv Getenv) error {
	if in("notification-emails") != "" {
		return errors.New("notification-emails is for api: cpp; Partner Center notifies the account's contacts of a product-ingestion publish")
	}
	switch c.Start {
	case StartPublish, StartAddImage, StartGoLive:
		if in("configure-file") != "" {
			return fmt.Errorf("configure-file is for start: configure; start: %s builds its own request", c.Start)
		}
		if len(c.Targets) == 0 || c.Targets[0].ProductID == "" && c.Targets[0].ExternalID == "" {
			return fmt.Errorf("start: %s needs the product: give product-id or external-id", c.Start)
		}
		c.SubmissionTarget = "preview"
		if c.Start == StartGoLive {
			c.SubmissionTarget = "live"
		}
		return nil
	}
	path := in("configure-file")
	if path == "" {
		return errors.New("start: configure needs configure-file: the path of the configure document to POST, relative to the workspace or absolute under it")
	}
	if len(c.Targets) > 1 {
		return errors.New("start: configure sends one document, which starts one job: give at most one product-id or external-id (the product the document publishes, to name its submission)")
	}
	doc, err := readConfigure(path, getenv)
	if err != nil {
		return err
	}
	c.ConfigureDoc = doc
	return nil
}

// readConfigure reads the configure document at path and checks what the API
// would refuse anyway: JSON, a configure $schema, a non-empty resources array.
func readConfigure(path string, getenv Getenv) ([]byte, error) {
	file, err := workspaceFile(path, getenv("GITHUB_WORKSPACE"))
	if err != nil {
		return nil, err
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("configure-file %q cannot be read: %v", path, reason(err))
	}
	defer f.Close()
	doc, err := io.ReadAll(io.LimitReader(f, maxConfigureFile+1))
	switch {
	case err != nil:
		return nil, fmt.Errorf("configure-file %q cannot be read: %v", path, reason(err))
	case len(doc) > maxConfigureFile:
		return nil, fmt.Errorf("configure-file %q is larger than %d MiB", path, maxConfigureFile>>20)
	}
	var top struct {
		Schema    *string         `json:"$schema"`
		Resources json.RawMessage `json:"resources"`
	}
	if err := json.Unmarshal(doc, &top); err != nil {
		return nil, fmt.Errorf("configure-file %q is not valid JSON: %s", path, jsonProblem(doc, err))
	}
	if top.Schema == nil || !strings.Contains(*top.Schema, "/schema/configure/") {
		return nil, fmt.Errorf("configure-file %q has no top-level $schema naming the configure schema (e.g. https://schema.mp.microsoft.com/schema/configure/2022-03-01-preview2)", path)
	}
	var resources []json.RawMessage
	if json.Unmarshal(top.Resources, &resources) != nil || len(resources) == 0 {
		return nil, fmt.Errorf("configure-file %q needs a non-empty resources array: the resources to create or update", path)
	}
	return doc, nil
}

// workspaceFile resolves configure-file to a file inside the workspace: a
// path relative to it, or an absolute one under it. The runner rewrites every
// input that starts with the host's workspace path to /github/workspace/…
// (ContainerInfo.TranslateToContainerPath), so ${{ github.workspace }}/x.json
// arrives absolute, under GITHUB_WORKSPACE. Nothing outside is read: no
// .. escape, no symbolic link (of the file or of a directory on its way) that
// leads out; both the workspace and the file are resolved before comparing.
func workspaceFile(path, workspace string) (string, error) {
	ws, err := filepath.Abs(cmp.Or(workspace, "."))
	if err != nil {
		return "", fmt.Errorf("configure-file %q cannot be read: the workspace %q: %v", path, workspace, err)
	}
	realWS, err := filepath.EvalSymlinks(ws)
	if err != nil {
		return "", fmt.Errorf("configure-file %q cannot be read: the workspace %s: %v", path, ws, reason(err))
	}
	full := path
	if !filepath.IsAbs(full) {
		full = filepath.Join(ws, full)
	}
	full = filepath.Clean(full)
	// An absolute path may name the workspace as given or as resolved.
	if !within(ws, full) && !within(realWS, full) {
		return "", fmt.Errorf("configure-file %q must be a path inside the workspace %s: relative to it, or absolute under it", path, ws)
	}
	real, err := filepath.EvalSymlinks(full)
	if err != nil {
		return "", fmt.Errorf("configure-file %q cannot be read: %v", path, reason(err))
	}
	if !within(realWS, real) {
		return "", fmt.Errorf("configure-file %q leads outside the workspace %s through a symbolic link: the configure document must be a file in the workspace", path, ws)
	}
	return real, nil
}

// reason is what went wrong with a file, without the path: the error names
// the input as given.
func reason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// within reports whether the clean path p is dir or lies under it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && !filepath.IsAbs(rel) && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}

// jsonProblem says where a JSON document goes wrong: the line, and what.
func jsonProblem(doc []byte, err error) string {
	var offset int64 = -1
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		offset = syntax.Offset
	case errors.As(err, &typ):
		offset = typ.Offset
	}
	if offset < 0 {
		return err.Error()
	}
	line := 1 + bytes.Count(doc[:min(int(offset), len(doc))], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}

// isEmail is a plain check of an address's shape: one @, a dot in the
// domain, no white space or separators. Partner Center checks the rest.
func isEmail(s string) bool {
	local, domain, ok := strings.Cut(s, "@")
	return ok && local != "" && len(s) <= 254 &&
		strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".") &&
		!strings.Contains(domain, "@") && !strings.ContainsAny(s, " \t\r\n,;<>\"'")
}
