package cli

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/BurntSushi/toml"
	"github.com/urfave/cli/v2"
)

// The configuration file holds what flags and environment variables hold:
// <home>/sceau.toml, or the file --config (SCEAU_CONFIG) names. Its
// top-level keys are the global flags' names; the table [commands.CMD],
// or [commands.CMD.SUBCMD], holds the flags of that command:
//
//	ledger = "fabric"
//	ledger-config = "/etc/sceau/fabric.yaml"
//	log-format = "json"
//
//	[commands.serve]
//	addr = "0.0.0.0:8080"
//	registry-ttl = "10m"
//
// A value applies only where neither the flag nor its environment variable
// is set: flag > environment > file > default. Every flag of the tree can
// be set so, with no list to keep up to date; a key that names no flag is
// an error that names it, as is a value of the wrong kind. Required flags
// (--issuer of issue…) must still be given on the command line.

// configFileName is the configuration file's name in the home.
const configFileName = "sceau.toml"

// maxConfigFile bounds the configuration file.
const maxConfigFile = 1 << 20

// configKey holds, in the app's Metadata, the configuration file read.
const configKey = "config"

// config is a configuration file, read.
type config struct {
	path     string
	global   map[string]any
	commands map[string]any
}

// readConfig reads the configuration file at path; a missing file is no
// configuration (nil) unless explicit says it was asked for.
func readConfig(path string, explicit bool) (*config, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, usageErr("configuration file: %v", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigFile+1))
	if err != nil {
		return nil, usageErr("configuration file %s: %v", path, err)
	}
	return parseConfig(path, data)
}

// parseConfig reads the content of the configuration file at path.
func parseConfig(path string, data []byte) (*config, error) {
	if len(data) > maxConfigFile {
		return nil, usageErr("configuration file %s is larger than %d KiB", path, maxConfigFile>>10)
	}
	var doc map[string]any
	if err := toml.Unmarshal(data, &doc); err != nil {
		return nil, usageErr("configuration file %s: %v", path, err)
	}
	cfg := &config{path: path, global: doc, commands: map[string]any{}}
	if cmds, ok := doc["commands"]; ok {
		table, ok := cmds.(map[string]any)
		if !ok {
			return nil, usageErr("configuration file %s: commands must be a table, [commands.CMD]", path)
		}
		cfg.commands = table
		delete(doc, "commands")
	}
	return cfg, nil
}

// loadConfig reads the configuration file of the command line (--config,
// else <home>/sceau.toml), applies its global settings to the root
// context c and keeps it for the commands.
func loadConfig(c *cli.Context) error {
	path, explicit := c.String("config"), true
	if path == "" {
		home, err := homeDir(c)
		if err != nil {
			return nil // no home, so no file in it
		}
		path, explicit = filepath.Join(home, configFileName), false
	}
	cfg, err := readConfig(path, explicit)
	if err != nil || cfg == nil {
		return err
	}
	if err := cfg.apply(c, c.App.Flags, cfg.global, nil, ""); err != nil {
		return err
	}
	c.App.Metadata[configKey] = cfg
	return nil
}

// configure makes every command of cmds (at path) take the unset values
// of its flags from the table [commands.PATH] of the configuration file.
func configure(cmds []*cli.Command, path []string) {
	for _, cmd := range cmds {
		cmdPath := append(slices.Clone(path), cmd.Name)
		before := cmd.Before
		cmd.Before = func(c *cli.Context) error {
			if cfg, _ := c.App.Metadata[configKey].(*config); cfg != nil {
				table, err := cfg.table(cmdPath)
				if err != nil {
					return err
				}
				if err := cfg.apply(c, c.Command.Flags, table, subcommandNames(cmd), "commands."+strings.Join(cmdPath, ".")); err != nil {
					return err
				}
			}
			if before != nil {
				return before(c)
			}
			return nil
		}
		configure(cmd.Subcommands, cmdPath)
	}
}

func subcommandNames(cmd *cli.Command) []string {
	var names []string
	for _, s := range cmd.Subcommands {
		names = append(names, s.Names()...)
	}
	return names
}

// table returns the table [commands.PATH], or nil.
func (cfg *config) table(path []string) (map[string]any, error) {
	table := cfg.commands
	for i, name := range path {
		v, ok := table[name]
		if !ok {
			return nil, nil
		}
		if table, ok = v.(map[string]any); !ok {
			return nil, usageErr("configuration file %s: commands.%s must be a table (the flags of sceau %s)", cfg.path, strings.Join(path[:i+1], "."), strings.Join(path[:i+1], " "))
		}
	}
	return table, nil
}

// apply sets, in c, each flag of flags that values names and that neither
// the command line nor the environment set. Keys naming a subcommand
// (tables of their own) are left to it; any other key is an error.
func (cfg *config) apply(c *cli.Context, flags []cli.Flag, values map[string]any, subcommands []string, table string) error {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	where := "top level"
	if table != "" {
		where = "[" + table + "]"
	}
	for _, key := range keys {
		flag := findFlag(flags, key)
		if flag == nil {
			if slices.Contains(subcommands, key) {
				continue
			}
			return usageErr("configuration file %s: %q (%s) is not a flag of %s", cfg.path, key, where, flagOwner(table))
		}
		if key == "config" || key == "help" || key == "version" || key == "generate-bash-completion" {
			return usageErr("configuration file %s: %q cannot be set in a configuration file", cfg.path, key)
		}
		if flag.IsSet() || c.IsSet(flag.Names()[0]) {
			// The environment (HasBeenSet), or the command line.
			continue
		}
		texts, err := configValues(values[key])
		if err != nil {
			return usageErr("configuration file %s: %s (%s): %v", cfg.path, key, where, err)
		}
		for _, text := range texts {
			if err := c.Set(flag.Names()[0], text); err != nil {
				return usageErr("configuration file %s: %s = %q (%s): %v", cfg.path, key, text, where, err)
			}
		}
	}
	return nil
}

// flagOwner names whose flags a table holds.
func flagOwner(table string) string {
	if table == "" {
		return "sceau (a global flag)"
	}
	return "sceau " + strings.ReplaceAll(strings.TrimPrefix(table, "commands."), ".", " ")
}

// findFlag returns the flag of flags called name.
func findFlag(flags []cli.Flag, name string) cli.Flag {
	for _, f := range flags {
		if slices.Contains(f.Names(), name) {
			return f
		}
	}
	return nil
}

// configValues turns a TOML value into the flag texts it stands for: a
// list sets a repeated flag once per item.
func configValues(v any) ([]string, error) {
	switch v := v.(type) {
	case string:
		return []string{v}, nil
	case bool, int64, float64:
		return []string{fmt.Sprint(v)}, nil
	case []any:
		var out []string
		for _, item := range v {
			texts, err := configValues(item)
			if err != nil || len(texts) != 1 {
				return nil, errors.New("a list holds strings, numbers or booleans")
			}
			out = append(out, texts[0])
		}
		return out, nil
	case map[string]any:
		return nil, errors.New("a table where a value is expected")
	}
	return nil, fmt.Errorf("a value of an unsupported kind (%T): write it as a string", v)
}
