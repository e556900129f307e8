package command

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/marketplace-gate/marketplace-gate/internal/config"
	"github.com/marketplace-gate/marketplace-gate/internal/suggest"
)

// lines is a flag that may be given several times; its values join with
// newlines, as a multi-line input does (--offer-id a --offer-id b).
type lines []string

func (l *lines) String() string     { return strings.Join(*l, "\n") }
func (l *lines) Set(v string) error { *l = append(*l, v); return nil }

// withFlags reads command-line flags named like the inputs (--publisher-id
// contoso) and returns a getenv in which they win over INPUT_* variables,
// so the binary runs from a laptop as it runs in a job.
func withFlags(args []string, getenv func(string) string) (func(string) string, error) {
	fs := flag.NewFlagSet("marketplace-gate", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are reported once, by the caller
	for _, in := range config.Inputs() {
		fs.Var(&lines{}, in.Name, in.Description)
	}
	if err := fs.Parse(args); err != nil {
		name, ok := strings.CutPrefix(err.Error(), "flag provided but not defined: -")
		if ok {
			return nil, unknownFlag(name)
		}
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q: flags are --name value, named like the inputs (try --help)", fs.Arg(0))
	}
	values := map[string]string{}
	fs.Visit(func(f *flag.Flag) { values[f.Name] = f.Value.String() })
	return func(k string) string {
		if name, ok := inputName(k); ok {
			if v, set := values[name]; set {
				return v
			}
		}
		return getenv(k)
	}, nil
}

// inputName is the input an INPUT_* variable names, in the runner's
// spelling only (INPUT_PUBLISHER-ID), the one config.Lookup reads.
func inputName(key string) (string, bool) {
	name, ok := strings.CutPrefix(key, "INPUT_")
	return strings.ToLower(name), ok
}

// unknownFlag names the flag that is not an input, with the closest inputs.
func unknownFlag(name string) error {
	var names []string
	for _, in := range config.Inputs() {
		names = append(names, in.Name)
	}
	nearest := suggest.Closest(strings.TrimPrefix(name, "-"), names)
	msg := fmt.Sprintf("unknown flag --%s", strings.TrimPrefix(name, "-"))
	if len(nearest) > 0 {
		msg += "; did you mean --" + nearest[0] + "?"
	}
	return errors.New(msg + " (try --help)")
}
