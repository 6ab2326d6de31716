// Package datatest decides what a test does when a real data set it reads
// is not on the machine. On a developer's machine it skips, saying what is
// missing. In CI ($CI is "true") it fails: .ci/run installs every data set
// these tests read (MNIST with the Go modules; Fashion-MNIST, the
// scikit-learn tables, the fortunes and espeak-ng from Debian's packages;
// the PDB files beside the repository), so a skip there would hide a test
// that never ran. Data that CI cannot have (CIFAR-10, CelebA) is not
// checked through this package.
package datatest

import (
	"fmt"
	"os"
	"testing"
)

// InCI reports whether the tests run in CI, where every data set is
// installed.
func InCI() bool { return os.Getenv("CI") == "true" }

// Skip skips t (fails it in CI) because data it needs is missing; args
// say what, as t.Skip's do.
func Skip(t testing.TB, args ...any) {
	t.Helper()
	if InCI() {
		t.Fatal("data missing in CI, which installs it (.ci/run): " + fmt.Sprint(args...))
		return
	}
	t.Skip(args...)
}

// Skipf is Skip with a format.
func Skipf(t testing.TB, format string, args ...any) {
	t.Helper()
	Skip(t, fmt.Sprintf(format, args...))
}
