// Package suggest finds the names a user most likely meant when they typed
// one that does not exist, so errors can say "did you mean ...".
package suggest

import (
	"sort"
	"strings"
)

// Closest returns the candidates close to name, best first: those that
// share a prefix with it either way, and those within a small edit distance
// (a quarter of the longer name, at least 1). Comparison ignores case.
func Closest(name string, candidates []string) []string {
	type scored struct {
		s string
		d int
	}
	var hits []scored
	n := strings.ToLower(name)
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(n, lc)
		limit := max(len(n), len(lc)) / 4
		limit = max(limit, 1)
		prefix := n != "" && (strings.HasPrefix(lc, n) || strings.HasPrefix(n, lc))
		if d <= limit || prefix {
			hits = append(hits, scored{c, d})
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].d != hits[j].d {
			return hits[i].d < hits[j].d
		}
		return hits[i].s < hits[j].s
	})
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.s
	}
	return out
}

// distance is the Levenshtein distance between a and b, over bytes: names
// here are ASCII identifiers.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
