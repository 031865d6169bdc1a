package names

import "testing"

func TestKey(t *testing.T) {
	for in, want := range map[string]string{
		"Saint-Denis":             "saint denis",
		"ST DENIS":                "saint denis",
		"  Ste-Marie ":            "sainte marie",
		"L'Haÿ-les-Roses":         "l hay les roses",
		"Béjaïa":                  "bejaia",
		"Œuilly":                  "oeuilly",
		"Tyr (Sour)":              "tyr sour",
		"Laâyoune–Sakia El Hamra": "laayoune sakia el hamra",
		"بَيْرُوت":                "بيروت",
	} {
		if got := Key(in); got != want {
			t.Errorf("Key(%q) = %q, want %q", in, got, want)
		}
	}
	if got := ASCII("Béjaïa"); got != "Bejaia" {
		t.Errorf("ASCII = %q", got)
	}
}
