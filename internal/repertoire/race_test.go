//go:build race

package repertoire_test

// raceEnabled: under the race detector modernc's SQLite (C transpiled to Go, checked by
// checkptr) runs some fifty times slower, so the tests that load all 37,000 French
// collectivités skip SQLite there; they run on SQLite without -race and on PostgreSQL.
const raceEnabled = true
