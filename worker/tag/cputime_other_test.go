//go:build !unix

package tag

// processCPU is not measured off unix; the CPU-time metric is then omitted.
func processCPU() float64 { return 0 }
