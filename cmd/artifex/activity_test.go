package main

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func TestActivityShowsOnATerminalAndStaysSilentOffOne(t *testing.T) {
	var off bytes.Buffer
	a := startActivity(&off, "sample: drawing 64 images")
	a.step()
	a.done()
	if off.Len() != 0 {
		t.Errorf("off a terminal the activity wrote %q", off.String())
	}
	defer func(orig func(io.Writer) bool) { isTerminal = orig }(isTerminal)
	isTerminal = func(io.Writer) bool { return true }
	var on bytes.Buffer
	a = startActivity(&on, "sample: drawing 64 images")
	for range 3 {
		a.step()
	}
	a.done()
	if !strings.Contains(on.String(), "sample: drawing 64 images") {
		t.Errorf("on a terminal the activity wrote %q", on.String())
	}
	on.Reset()
	err := phase(&on, "evaluate: 1000 samples", func(a *activity) error {
		a.count("features", 3000, 11000)
		// Past the bar's redraw throttle, so that the count is drawn.
		time.Sleep(250 * time.Millisecond)
		return errors.New("stop")
	})
	if err == nil || err.Error() != "stop" {
		t.Errorf("phase returned %v, want fn's error", err)
	}
	if !strings.Contains(on.String(), "evaluate: 1000 samples: features 3000/11000") {
		t.Errorf("on a terminal the phase wrote %q", on.String())
	}
}
