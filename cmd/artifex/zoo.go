package main

import (
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/config"
	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/zoo"
)

func zooCommand(reg *factory.Registry) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "zoo",
		Short: "List and describe the ready-made model configurations",
	}
	var category string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the zoo's configurations (all, or one category or tag)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			names := zoo.ListConfigs(category)
			if len(names) == 0 {
				return fmt.Errorf("no configuration in category %q (categories and tags: %s)", category, strings.Join(categories(), ", "))
			}
			w := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "NAME\tCATEGORY\tFAMILY\tBUILDS\tDESCRIPTION")
			for _, name := range names {
				info, err := zoo.GetInfo(name)
				if err != nil {
					return err
				}
				fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", info.Name, info.Category, info.Family, yesNo(registered(reg, info.Family)), info.Description)
			}
			return w.Flush()
		},
	}
	list.Flags().StringVar(&category, "category", "", "only this category (vision, protein, ...) or tag")
	info := &cobra.Command{
		Use:   "info NAME",
		Short: "Show one zoo configuration",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			info, err := zoo.GetInfo(args[0])
			if err != nil {
				return err
			}
			cfg, err := zoo.GetConfig(args[0])
			if err != nil {
				return err
			}
			body, err := cfg.Encode(config.YAML)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			builds := "yes"
			if !registered(reg, info.Family) {
				builds = fmt.Sprintf("no: the %s family is not built yet (registered: %s)", info.Family, strings.Join(reg.Types(), ", "))
			}
			fmt.Fprintf(out, "# %s: %s\n# family: %s, category: %s, builds: %s\n# source: %s\n", info.Name, info.Description, info.Family, info.Category, builds, info.Source)
			_, err = out.Write(body)
			return err
		},
	}
	cmd.AddCommand(list, info)
	return cmd
}

// categories returns the zoo's folder names and tags, for the error of an
// empty listing.
func categories() []string {
	seen := map[string]bool{}
	var out []string
	for _, name := range zoo.ListConfigs("") {
		info, err := zoo.GetInfo(name)
		if err != nil {
			continue
		}
		for _, c := range append([]string{info.Category}, info.Tags...) {
			if !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	return out
}

func registered(reg *factory.Registry, family string) bool {
	_, ok := reg.Builder(family)
	return ok
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
