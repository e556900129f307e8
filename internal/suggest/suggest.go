// Package suggest orders candidates by how close they are to what was typed,
// so an error can name the likely intended id first.
package suggest

import (
	"sort"
	"strings"
)

// Closest returns candidates sorted by edit distance to typed (case
// insensitive), closest first; ties keep alphabetical order.
func Closest(typed string, candidates []string) []string {
	out := append([]string(nil), candidates...)
	dist := make(map[string]int, len(out))
	for _, c := range out {
		dist[c] = distance(strings.ToLower(typed), strings.ToLower(c))
	}
	sort.SliceStable(out, func(i, j int) bool {
		if dist[out[i]] != dist[out[j]] {
			return dist[out[i]] < dist[out[j]]
		}
		return out[i] < out[j]
	})
	return out
}

// distance is the Levenshtein distance between a and b, in runes.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
