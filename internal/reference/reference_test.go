package reference

import "testing"

func TestEmbeddedData(t *testing.T) {
	cs, err := Countries()
	if err != nil {
		t.Fatal(err)
	}
	if len(cs) != 250 {
		t.Fatalf("countries: got %d, want 250", len(cs))
	}
	g, err := Gazetteer()
	if err != nil {
		t.Fatal(err)
	}
	if n := len(g["MA"].PrefecturesProvinces); n != 75 {
		t.Errorf("Morocco préfectures/provinces: got %d, want 75", n)
	}
	if n := len(g["DZ"].Wilayas); n != 58 {
		t.Errorf("Algeria wilayas: got %d, want 58", n)
	}
	if n := len(g["TN"].Gouvernorats); n != 24 {
		t.Errorf("Tunisia gouvernorats: got %d, want 24", n)
	}
	if n := len(g["LB"].Mohafazats); n != 9 {
		t.Errorf("Lebanon mohafazats: got %d, want 9", n)
	}
	src, err := NewsSources()
	if err != nil {
		t.Fatal(err)
	}
	if len(src) < 30 {
		t.Errorf("news sources: got %d", len(src))
	}
}
