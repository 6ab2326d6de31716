package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// isTerminal reports whether w is a terminal, where a spinner can redraw
// its line; a variable so that a test can pretend.
var isTerminal = func(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// activity shows, on a terminal, what a command that takes more than a
// moment is doing: a spinner, the elapsed time and, for work done in
// steps it is told of (a diffusion sampler's denoising steps), their
// count. Off a terminal (a pipe, a log file, a test) it writes nothing, so
// that outputs stay clean.
type activity struct {
	what string
	bar  *progressbar.ProgressBar
	stop chan struct{}
	wg   sync.WaitGroup
}

// startActivity starts showing what on w, with the count of its steps;
// done ends it.
func startActivity(w io.Writer, what string) *activity { return newActivity(w, what, true) }

// newActivity starts showing what on w, with the count of steps if
// steps: work told of in counts instead (phase) has no steps to show.
func newActivity(w io.Writer, what string, steps bool) *activity {
	a := &activity{what: what, stop: make(chan struct{})}
	if !isTerminal(w) {
		return a
	}
	opts := []progressbar.Option{
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(what),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionThrottle(100 * time.Millisecond),
	}
	if steps {
		opts = append(opts, progressbar.OptionShowCount())
	}
	a.bar = progressbar.NewOptions(-1, opts...)
	// The spinner turns while nothing reports a step, so that a long
	// single call still shows it is alive.
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		tick := time.NewTicker(200 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-a.stop:
				return
			case <-tick.C:
				a.bar.Add(0)
			}
		}
	}()
	return a
}

// step counts one step of the work; it fits sampling.Options.Check.
func (a *activity) step() error {
	if a.bar != nil {
		a.bar.Add(1)
	}
	return nil
}

// count shows how far a part of the work with a known size has got,
// after what: "evaluate: 1000 samples: features 3000/11000".
func (a *activity) count(part string, done, total int) {
	if a.bar != nil {
		a.bar.Describe(fmt.Sprintf("%s: %s %d/%d", a.what, part, done, total))
	}
}

// done ends the display, leaving the line clear.
func (a *activity) done() {
	if a.bar == nil {
		return
	}
	close(a.stop)
	a.wg.Wait()
	a.bar.Finish()
	a.bar.Exit()
}

// phase runs fn while showing what, and returns fn's error; fn may tell
// the activity its counts.
func phase(w io.Writer, what string, fn func(*activity) error) error {
	a := newActivity(w, what, false)
	defer a.done()
	return fn(a)
}
