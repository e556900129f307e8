package main

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// debianPackage provides each tool the benchmark runs.
var debianPackage = map[string]string{"curl": "curl", "jq": "jq", "time": "time", "az": "azure-cli"}

// ensureTools installs, with apt-get, whichever of tools is missing.
func ensureTools(tools []string) error {
	var missing []string
	for _, t := range tools {
		if _, err := exec.LookPath(t); err != nil {
			missing = append(missing, debianPackage[t])
		}
	}
	if len(missing) == 0 {
		return nil
	}
	fmt.Fprintf(os.Stderr, "bench: installing %s with apt-get\n", strings.Join(missing, ", "))
	var sudo []string
	if os.Geteuid() != 0 {
		sudo = []string{"sudo"}
	}
	for _, args := range [][]string{{"apt-get", "update", "-q"}, append([]string{"apt-get", "install", "-y", "-q", "--no-install-recommends"}, missing...)} {
		cmd := exec.Command(append(sudo, args...)[0], append(sudo, args...)[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("installing %s (needs Debian or Ubuntu and root or sudo): %w", strings.Join(missing, ", "), err)
		}
	}
	return nil
}

// debianSize is what installing roots adds to a minimal Debian system: the
// Installed-Size of each package they depend on, directly or not, except the
// base system every Debian image already has (Priority: required).
func debianSize(roots ...string) (int64, error) {
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Package}\t${Installed-Size}\t${Priority}\t${Pre-Depends}, ${Depends}\n").Output()
	if err != nil {
		return 0, fmt.Errorf("dpkg-query: %w", err)
	}
	type pkg struct {
		kib      int64
		required bool
		deps     [][]string // each a list of alternatives
	}
	pkgs := map[string]pkg{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.SplitN(line, "\t", 4)
		if len(f) < 4 {
			continue
		}
		kib, _ := strconv.ParseInt(f[1], 10, 64)
		p := pkg{kib: kib, required: f[2] == "required"}
		for _, dep := range strings.Split(f[3], ",") {
			var alts []string
			for _, alt := range strings.Split(dep, "|") {
				name, _, _ := strings.Cut(strings.TrimSpace(alt), " ")
				name, _, _ = strings.Cut(name, ":")
				if name != "" {
					alts = append(alts, name)
				}
			}
			if len(alts) > 0 {
				p.deps = append(p.deps, alts)
			}
		}
		pkgs[f[0]] = p
	}
	seen := map[string]bool{}
	var total int64
	var walk func(string) error
	walk = func(name string) error {
		if seen[name] {
			return nil
		}
		seen[name] = true
		p, ok := pkgs[name]
		if !ok {
			return fmt.Errorf("package %s is not installed", name)
		}
		if p.required {
			return nil
		}
		total += p.kib * 1024
		for _, alts := range p.deps {
			for _, a := range alts { // the first alternative installed satisfies it
				if _, ok := pkgs[a]; ok {
					if err := walk(a); err != nil {
						return err
					}
					break
				}
			}
		}
		return nil
	}
	for _, r := range roots {
		if err := walk(r); err != nil {
			return 0, err
		}
	}
	return total, nil
}
