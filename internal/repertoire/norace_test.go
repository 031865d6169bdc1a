//go:build !race

package repertoire_test

const raceEnabled = false
