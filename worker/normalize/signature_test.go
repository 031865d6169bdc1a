package normalize

import (
	"strings"
	"testing"
)

// A MAP-style dispatch and the ways outlets reprint it: new title, credit
// line, a sentence cut or added, typography changed.
const dispatch = `Rabat - Le Conseil de gouvernement a adopté, jeudi, le projet de décret relatif à la mise en œuvre de la régionalisation avancée, qui transfère aux conseils régionaux de nouvelles compétences en matière de développement économique, de formation professionnelle et de transport interurbain.
Selon le porte-parole du gouvernement, ce texte fixe les modalités de transfert des ressources financières et humaines nécessaires à l'exercice de ces compétences, ainsi que le calendrier de leur mise en œuvre progressive entre 2026 et 2028.
Le ministre de l'Intérieur a souligné que cette réforme vise à renforcer la démocratie locale et à réduire les disparités territoriales entre les douze régions du Royaume.
Les présidents de région seront consultés sur les contrats-programmes qui accompagneront ce transfert, a-t-il précisé.`

var reprints = map[string]string{
	"new title and credit": "Régionalisation : le gouvernement transfère de nouvelles compétences aux régions\n" + dispatch + "\n(Avec MAP)",
	"last sentence cut": "Le Conseil de gouvernement adopte le décret sur la régionalisation avancée\n" +
		dispatch[:strings.LastIndex(dispatch, "Les présidents")],
	"sentence added": "Régionalisation avancée : feu vert du gouvernement\n" + dispatch +
		"\nCette réforme était attendue depuis l'adoption de la loi organique de 2015 sur les régions.",
	"typography and case": "RÉGIONALISATION AVANCÉE : LE DÉCRET ADOPTÉ\n" +
		strings.NewReplacer("'", "’", " - ", " — ", "œ", "oe", ",", " ,").Replace(dispatch),
	"lead rewritten": "Le décret sur la régionalisation adopté en Conseil de gouvernement\n" +
		"Le gouvernement a adopté jeudi à Rabat le projet de décret sur la régionalisation avancée, transférant aux conseils régionaux de nouvelles compétences." +
		dispatch[strings.Index(dispatch, "\nSelon"):],
}

var otherStories = map[string]string{
	"same topic, own reporting": `Régionalisation : les présidents de région réclament plus de moyens
Réunis à Marrakech, les présidents des douze régions du Royaume ont plaidé pour un renforcement des ressources propres des collectivités, estimant que les transferts de l'Etat restent insuffisants face aux attentes des citoyens en matière d'emploi et de services publics.
Plusieurs élus ont appelé à accélérer la déconcentration administrative et à associer davantage les conseils régionaux à l'élaboration des politiques sectorielles.`,
	"same ministry, other subject": `Le ministre de l'Intérieur préside une réunion sur la préparation des élections
Rabat - Le ministre de l'Intérieur a présidé, mercredi, une réunion consacrée aux préparatifs des prochaines échéances électorales, en présence des walis et gouverneurs.
Les participants ont examiné le calendrier de révision des listes électorales et les mesures logistiques nécessaires au bon déroulement du scrutin.`,
	"Tunisia": `Tunisie : la loi sur les collectivités locales adoptée en plénière
L'Assemblée des représentants du peuple a adopté mardi le projet de loi organique relatif aux collectivités locales, par 121 voix pour, 14 contre et 9 abstentions.`,
	"Arabic": `المجلس الشعبي الولائي يصادق على ميزانية 2026
صادق المجلس الشعبي الولائي لولاية وهران على الميزانية الأولية لسنة 2026 خلال دورة عادية ترأسها رئيس المجلس بحضور الوالي.`,
}

func TestSignatureGroupsReprintsOnly(t *testing.T) {
	orig, n := Signature("Le gouvernement adopte le décret sur la régionalisation avancée\n" + dispatch)
	if n < MinShingles {
		t.Fatalf("dispatch gave %d shingles", n)
	}
	for name, text := range reprints {
		sig, _ := Signature(text)
		d := Hamming(orig, sig)
		t.Logf("reprint %-22s distance %2d", name, d)
		if !Similar(orig, sig) {
			t.Errorf("reprint %q: distance %d > %d", name, d, SimilarityThreshold)
		}
	}
	for name, text := range otherStories {
		sig, _ := Signature(text)
		d := Hamming(orig, sig)
		t.Logf("other   %-22s distance %2d", name, d)
		if d < SimilarityThreshold+6 {
			t.Errorf("other story %q: distance %d, want a wide margin above %d", name, d, SimilarityThreshold)
		}
	}
}

func TestSignatureIgnoresSurfaceForms(t *testing.T) {
	same := [][2]string{
		{"Élection du président de la région de l'Oriental à Oujda", "election du PRESIDENT de la region de l’oriental, a oujda !"},
		{"الجماعات المحلية: إطلاق برنامج تعاون جديد مع مدن فرنسية", "الجماعات المحليّة – اطلاق برنامج تعاون جديـد مع مدن فرنسيّة"},
		{"أعلنت وزارة الداخلية عن برنامج للتعاون", "اعلنت وزاره الداخليه عن برنامج للتعاون"},
		{"ميزانية ٢٠٢٦ للولاية", "ميزانية 2026 للولاية"},
	}
	for _, p := range same {
		a, _ := Signature(p[0])
		b, _ := Signature(p[1])
		if a != b {
			t.Errorf("%q and %q: distance %d, want identical signatures", p[0], p[1], Hamming(a, b))
		}
	}
	if sig, n := Signature(" \n\t.,;"); sig != 0 || n != 0 {
		t.Errorf("empty text: %x, %d shingles", sig, n)
	}
	if _, n := Signature("Liban"); n != 1 {
		t.Errorf("one word: %d shingles", n)
	}
	// Stability: signatures are stored, so hashing must never change.
	const golden = 0x6404080b5a101464
	if sig, _ := Signature("Le conseil régional adopte son budget"); sig != golden {
		t.Errorf("signature changed: %#x, stored signatures would no longer match", sig)
	}
}
