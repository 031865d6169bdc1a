//go:build unix

package tag

import "syscall"

// processCPU returns the user+system CPU time of the process in seconds. Benchmarks use it
// to report throughput per CPU-second, which stays meaningful on a shared machine where
// wall-clock MB/s also counts the time other processes held the core.
func processCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Sec+ru.Stime.Sec) + float64(ru.Utime.Usec+ru.Stime.Usec)/1e6
}
