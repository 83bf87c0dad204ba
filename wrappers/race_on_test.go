//go:build race

package wrappers

// raceEnabled: the race detector is on (sync.Pool then drops items at random, so allocation counts
// vary).
const raceEnabled = true
