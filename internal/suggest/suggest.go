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

// distance is the edit distance between a and b counting insertions,
// deletions, substitutions and swaps of neighbours (optimal string
// alignment), over bytes: names here are ASCII identifiers.
func distance(a, b string) int {
	rows := make([][]int, len(a)+1)
	for i := range rows {
		rows[i] = make([]int, len(b)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, rows[i-2][j-2]+1)
			}
			rows[i][j] = d
		}
	}
	return rows[len(a)][len(b)]
}
