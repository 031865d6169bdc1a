package tag

import (
	"sync"
	"testing"
)

var (
	testTaggerOnce sync.Once
	testTagger     *Tagger
	testTaggerErr  error
)

// newTestTagger returns a Tagger over the reference data and a few authorities shaped like
// the répertoire's, built once per test binary.
func newTestTagger(t testing.TB) *Tagger {
	t.Helper()
	testTaggerOnce.Do(func() {
		testTagger, testTaggerErr = New(Config{Authorities: testAuthorities})
	})
	if testTaggerErr != nil {
		t.Fatal(testTaggerErr)
	}
	return testTagger
}

var testAuthorities = []Authority{
	{ID: 1, Name: "Municipalité de Sfax", Country: "TN", Level: "municipalite"},
	{ID: 2, Name: "Commune urbaine de Marrakech", Aliases: []string{"Marrakesh", "مراكش"}, Country: "MA", Level: "commune"},
	{ID: 3, Name: "Municipalité de Tripoli", Country: "LB", Level: "municipalite"},
	{ID: 4, Name: "Union des municipalités du Chouf", Aliases: []string{"UMC Chouf"}, Country: "LB", Level: "union"},
	{ID: 5, Name: "Commune d'Oran", Aliases: []string{"APC d'Oran"}, Country: "DZ", Level: "commune"},
	{ID: 6, Name: "Métropole de Lyon", Country: "FR", Level: "epci"},
	{ID: 7, Name: "Région Souss-Massa", Country: "MA", Level: "region"},
	{ID: 8, Name: "Municipalité de Saïda", Aliases: []string{"Sidon"}, Country: "LB", Level: "municipalite"},
	{ID: 9, Name: "Département de l'Hérault", Country: "FR", Level: "departement"},
	{ID: 10, Name: "Commune de Chefchaouen", Country: "MA", Level: "commune"},
}
