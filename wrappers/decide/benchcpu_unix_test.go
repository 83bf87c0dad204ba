//go:build unix

package decide_test

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user and system) this process has used: steadier than wall
// time on a machine shared with other work.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
