//go:build !race

package collectivites_test

const raceEnabled = false
