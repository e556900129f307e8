// Package runnertest reads what an action wrote the way the GitHub runner
// does: workflow commands from stdout, outputs from the GITHUB_OUTPUT file.
package runnertest

import (
	"fmt"
	"os"
	"strings"
)

// Command is one workflow command read from a log line.
type Command struct {
	Name       string
	Properties map[string]string
	Message    string
}

// Commands parses every line the runner would treat as a command: after
// trimming leading white space it starts with "::". Legacy "##[" lines are
// reported as a command named "legacy".
func Commands(log string) []Command {
	var cmds []Command
	for _, line := range strings.Split(log, "\n") {
		line = strings.TrimRight(line, "\r")
		if strings.Contains(line, "##[") {
			cmds = append(cmds, Command{Name: "legacy", Message: line})
		}
		t := strings.TrimLeft(line, " \t")
		if !strings.HasPrefix(t, "::") {
			continue
		}
		head, msg, ok := strings.Cut(t[2:], "::")
		if !ok {
			continue
		}
		name, props, _ := strings.Cut(head, " ")
		c := Command{Name: name, Properties: map[string]string{}, Message: unescape(msg, false)}
		for _, kv := range strings.Split(props, ",") {
			if k, v, ok := strings.Cut(kv, "="); ok {
				c.Properties[k] = unescape(v, true)
			}
		}
		cmds = append(cmds, c)
	}
	return cmds
}

func unescape(s string, prop bool) string {
	pairs := []string{"%0D", "\r", "%0A", "\n"}
	if prop {
		pairs = append(pairs, "%3A", ":", "%2C", ",")
	}
	pairs = append(pairs, "%25", "%")
	return strings.NewReplacer(pairs...).Replace(s)
}

// Outputs parses a GITHUB_OUTPUT file: name=value lines and
// name<<DELIM … DELIM blocks, as the runner reads them.
func Outputs(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		if line == "" {
			continue
		}
		if name, delim, ok := strings.Cut(line, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i >= len(lines) {
				return nil, fmt.Errorf("output %s: no closing delimiter %q", name, delim)
			}
			if _, dup := out[name]; dup {
				return nil, fmt.Errorf("output %s written twice", name)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("line %d of GITHUB_OUTPUT is neither name=value nor a heredoc: %q", i+1, line)
		}
		out[name] = val
	}
	return out, nil
}
