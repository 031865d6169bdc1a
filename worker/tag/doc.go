// Package tag ties news articles to the country groups (maroc, algerie, tunisie, liban),
// the places and répertoire authorities they name, and six topics. It is the tagging stage
// of the veille (product.md §5): pure Go, no database, no network; the worker and the
// `coopdesk tag` command feed it plain inputs and store its plain outputs.
//
// # Using it
//
//	t, err := tag.New(tag.Config{Authorities: auths, Rules: rules})
//	res := t.Tag(tag.Input{Title: title, Summary: summary, Lang: "fr", Country: "MA"})
//	res.Groups   // []GroupTag{Slug, Score, Method, Evidence}
//	res.Mentions // []Mention{Kind: country|place|authority, Name, Code, AuthorityID, Country, Score, Evidence}
//	res.Topics   // []TopicTag{Slug, Score, Evidence}
//
// A Tagger is immutable and safe for concurrent use. When the répertoire or the staff rules
// change, build a new one and swap it in through a Holder (an atomic pointer): articles in
// flight finish on the old one, nothing stops. Building takes about a tenth of a second
// with 2,000 authorities (BenchmarkBuild).
//
// Input.Country is the ISO code of the source feed's country. It is a prior, never enough
// on its own: an article from a Moroccan outlet about Paris gets no group, and a Tunisian
// outlet writing about Tyr tags liban. Staff corrections (method staff_correction) are the
// caller's business: the tagger never sees them, so re-tagging cannot undo them as long
// as the caller merges them on top.
//
// # Evidence
//
// Everything is matched by one automaton over normalised text (see Normalize): the names,
// official names, demonyms and capitals of all 250 countries in French, English and Arabic
// (internal/reference), the partner countries' gazetteer units and the aliases of their
// cities, local-government vocabulary per country, leaders and institutions that point
// to one country (cues), the répertoire's authorities with their aliases, the staff rules
// and the topic keywords. Each match is evidence with a weight: a country name 3, a place
// or an authority 2.5, a demonym 1 (2.5 after an institution, "le gouvernement
// libanais"; 0.25 after a person, "un chef libanais"; plain demonyms cap at 1.5 so they
// never tag on their own), vocabulary and cues up to 2, the feed's country 1 when the
// text names that country in some way. A group is tagged from a score of 2; the reported
// score is s/(s+2), so every returned tag has a score of at least 0.5.
//
// # Ambiguous names
//
// A name is ambiguous when it is a place in two countries (Tripoli, Saïda, Béja/Beja) or
// also a common word or first name (Constantine, Mila, Salé, صور "pictures"); data.go
// marks the latter. Such a name counts only once the rest of the text settles it: support
// for a candidate country comes from the text's other evidence for it, half of the
// evidence for its neighbours (same UN subregion: Libyan cues back the Libyan Tripoli,
// Israeli ones the Lebanese Tyr), the feed's country, and the other ambiguous names that
// could be there too. A place noun right before the name ("la wilaya de Constantine")
// chooses the place reading. Longer names shadow the names inside them
// ("franco-libanais", "Al-Qaïda au Maghreb islamique", "Orange Vélodrome").
//
// # Matching
//
// Text is normalised in one pass into a private byte alphabet: Latin letters folded to
// ASCII (accents, œ, æ, ß), Arabic folded (alef forms, taa marbuta, alef maqsura, hamza
// seats, harakat and tatweel removed) to one byte per letter, separators collapsed, so
// that matching is case-, accent- and spelling-insensitive and always on word
// boundaries ("Oran" never matches in "Orange"; "l'Algérie", "d'Oran" and "qu'au Liban"
// match). Arabic proclitics (و ب ل and their combinations with the article) are tried at
// each Arabic word start. The automaton is a byte trie walked only from word starts; see
// automaton.go for why that beats failure links here.
//
// # Quality
//
// testdata/labelled.jsonl holds 220 headline + first-sentence items in French, English
// and Arabic with the expected groups; TestQuality fails below precision 0.95 or recall
// 0.90 and logs every miss.
package tag
