//go:build !noasm

package kernels

import (
	"os"
	"strings"
	"testing"
)

// A plain build must use the fastest kernels the machine offers. Linux
// lists in /proc/cpuinfo the features that the CPU has and the kernel
// enabled, an independent reading of what cpuFeatures decides.
func TestFastPathFollowsTheFeaturesLinuxReports(t *testing.T) {
	info, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		t.Skipf("no /proc/cpuinfo to compare with: %v", err)
	}
	var flags map[string]bool
	for line := range strings.Lines(string(info)) {
		if name, list, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(name) == "flags" {
			flags = map[string]bool{}
			for _, f := range strings.Fields(list) {
				flags[f] = true
			}
			break
		}
	}
	if flags == nil {
		t.Skip("/proc/cpuinfo lists no flags")
	}
	want := map[string]bool{
		"AVX":      flags["avx"],
		"AVX2+FMA": flags["avx2"] && flags["fma"],
		"AVX-512F": flags["avx2"] && flags["fma"] && flags["avx512f"],
	}
	got := map[string]bool{"AVX": hasAVX, "AVX2+FMA": hasAVX2FMA, "AVX-512F": hasAVX512}
	for f := range want {
		if got[f] != want[f] {
			t.Errorf("%s: CPUID check says %v, /proc/cpuinfo says %v", f, got[f], want[f])
		}
	}
	wantKernel := "go"
	switch {
	case want["AVX-512F"]:
		wantKernel = "avx512"
	case want["AVX2+FMA"]:
		wantKernel = "avx2"
	}
	if fastKernel.name != wantKernel {
		t.Errorf("Sgemm uses the %s micro-kernel, want %s on this CPU", fastKernel.name, wantKernel)
	}
}
