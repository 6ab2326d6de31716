// Command artifex trains, samples, evaluates and benchmarks the generative
// models of Artifex-Go, and lists and checks their configurations.
//
//	artifex zoo list [--category c]
//	artifex zoo info NAME
//	artifex config validate FILE
//	artifex config show FILE
//	artifex train --zoo NAME | --config FILE [--epochs --steps --batch-size --lr --seed --data-dir --out DIR --resume --quiet --samples N]
//	artifex sample --checkpoint DIR -n 64 --out samples.png|DIR|NAME.pdb|.ply|.obj|.off [--seed] [--sampler ddpm|ddim --steps N --eta E] [--temperature T] [--seconds S] [--data-dir DIR]
//	artifex evaluate --checkpoint DIR [--data-dir DIR] [--limit N] [--json]
//	artifex export --checkpoint DIR --out DIR2 [--dtype float32|float16|bfloat16] [--metrics FILE] [--notes FILE]
//	artifex bench WORKLOAD...
//	artifex serve --checkpoint DIR [--checkpoint NAME=DIR ...] [--addr 127.0.0.1:8080]
package main

import (
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/artifex-go/artifex/factory"
	"github.com/artifex-go/artifex/internal/sysmem"
)

// setMemoryLimit gives Go's collector a soft limit of three quarters of
// the machine's memory (unless GOMEMLIMIT sets one), so that it collects
// harder as a large model's training nears the machine's memory instead
// of letting garbage grow until the kernel kills the process.
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	if total := sysmem.Total(); total > 0 {
		debug.SetMemoryLimit(total / 4 * 3)
	}
}

// tuneGC keeps the collector's GOGC between 25 and 100, unless the
// environment sets GOGC: a training step takes its large buffers from a
// tensor.Arena, which the collector never frees and need not scan (they
// hold no pointers), so once they dominate the heap a collection is cheap
// and the default 100 % headroom only lets the step's small garbage
// (graph records, shapes, scalars) pile up; at 25 % the bench workloads'
// peak memory fell by 10-25 % at unchanged step times. A small heap keeps
// at least 4 MiB of headroom, since collecting it every few hundred KiB
// costs more than it saves. (With 16 MiB, before steps reused their
// gradients' buffers, the MLP VAE's step allocated 1.9 MB; it now
// allocates 0.2 MB, and 4 MiB costs it no measurable time.)
//
// It retunes after every collection, from the live heap that collection
// left: a finalizer on an object dropped each cycle runs once the cycle
// has found it unreachable. Polling on a timer missed short runs, such as
// a bench workload of 50 ms.
func tuneGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	percent := debug.SetGCPercent(100)
	var arm func()
	arm = func() {
		runtime.SetFinalizer(new(gcSentinel), func(*gcSentinel) {
			metrics.Read(sample)
			if live := float64(sample[0].Value.Uint64()); live > 0 {
				if want := gcPercentFor(live); want != percent {
					debug.SetGCPercent(want)
					percent = want
				}
			}
			arm()
		})
	}
	arm()
}

// gcSentinel is the object whose finalizer tells tuneGC a collection ran;
// it must not be zero-sized, which the runtime may not allocate apart.
type gcSentinel struct{ _ [16]byte }

// gcPercentFor is the GOGC tuneGC sets for a live heap of live bytes.
func gcPercentFor(live float64) int {
	return int(min(100, max(25, math.Ceil(4<<20/live*100))))
}

func main() {
	// The first Ctrl-C cancels the context: training saves a checkpoint
	// and returns. Once it has, signals get their default action again, so
	// a second Ctrl-C ends a process that is slow to stop.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() { <-ctx.Done(); stop() }()
	setMemoryLimit()
	tuneGC()
	err := newRoot(factory.DefaultRegistry()).ExecuteContext(ctx)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "artifex:", err)
		os.Exit(1)
	}
}

// newRoot returns the command tree. Models are built with reg, so that
// tests can run the commands with a registry of their own.
func newRoot(reg *factory.Registry) *cobra.Command {
	if err := factory.RegisterDataSets(); err != nil {
		panic(err) // the built-in data sets' names are fixed: a clash is a bug
	}
	root := &cobra.Command{
		Use:           "artifex",
		Short:         "Generative models in pure Go: train, sample, evaluate, benchmark",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		zooCommand(reg),
		configCommand(reg),
		trainCommand(reg),
		sampleCommand(reg),
		evaluateCommand(reg),
		exportCommand(reg),
		benchCommand(),
		serveCommand(reg),
	)
	return root
}
