package tag

// Curated lexicons that the reference data does not carry: the names a reader of this
// press expects (aliases, big cities, Arabic forms), the cues that settle ambiguous names
// (Libya's cities and leaders for Tripoli, Israel for Tyr…), local-government vocabulary
// and topic keywords. They are Go literals rather than data files so that a change shows
// up in review next to the weights that use it.
//
// Place lists use a small notation, one place per string:
//
//	"CODE|Name|Alias|Alias*|Alias~"
//
// CODE is the gazetteer code the mention carries (may be empty). A trailing '*' marks a
// name that is often an ordinary word or a person's name (Constantine, Salé, Mascara,
// صور "pictures"): it counts only with context. A trailing '~' marks a weaker doubt
// (Tyr, Fez): it counts unless the text points elsewhere.

// extraPlaces are partner-country places beyond the gazetteer's units, and aliases of
// those units. Gazetteer names are added automatically; repeating one here only adds aliases.
var extraPlaces = map[string][]string{
	"MA": {
		"MA-CAS|Casablanca|Casa*|Dar el Beida|الدار البيضاء|كازابلانكا",
		"MA-RAB|Rabat|الرباط",
		"MA-FES|Fès|Fez~|Fes|فاس",
		"MA-MAR|Marrakech|Marrakesh|Marrakch|مراكش",
		"MA-TNG|Tanger|Tangier|Tangiers|Tanja|طنجة|Tanger Med|Asilah|Assilah|أصيلة",
		"MA-AGD|Agadir|أكادير",
		"MA-MEK|Meknès|مكناس",
		"MA-OUJ|Oujda|وجدة",
		"MA-KEN|Kénitra|القنيطرة",
		"MA-TET|Tétouan|Tetuan|تطوان|Martil|مرتيل",
		"MA-SAL|Salé*|سلا*",
		"MA-SKH|Témara|تمارة|Skhirat|الصخيرات",
		"MA-MOH|Mohammedia|المحمدية*",
		"MA-JDI|El Jadida|الجديدة*",
		"MA-BEM|Béni Mellal|بني ملال",
		"MA-NAD|Nador|الناظور",
		"MA-KHO|Khouribga|خريبكة",
		"MA-SET|Settat|سطات",
		"MA-LAR|Larache|العرائش|Ksar El Kébir|القصر الكبير",
		"MA-ESI|Essaouira|Mogador*|الصويرة",
		"MA-OUA|Ouarzazate|ورزازات",
		"MA-ERR|Errachidia|الرشيدية|Erfoud|Rissani|Merzouga",
		"MA-LAA|Laâyoune|Laayoune|العيون*",
		"MA-OUD|Dakhla|الداخلة*",
		"MA-HOC|Al Hoceïma|Hoceima|الحسيمة",
		"MA-CHE|Chefchaouen|Chaouen|شفشاون",
		"MA-IFR|Ifrane|إفران|Azrou",
		"MA-TAR|Taroudant|تارودانت",
		"MA-TIZ|Tiznit|تيزنيت",
		"MA-GUE|Guelmim|كلميم",
		"MA-BER|Berkane|بركان*",
		"MA-TAZ|Taza|تازة",
		"MA-SAF|Safi*|آسفي",
		"MA-MDF|Fnideq|الفنيدق|M'diq|Mdiq|المضيق",
		"MA-INE|Inezgane|إنزكان|Aït Melloul|Ait Melloul",
		"MA-REH|Benguerir|Ben Guerir",
		"MA-ZAG|Zagora|زاكورة",
		"MA-TIN|Tinghir|Tinerhir",
		"MA-SEF|Sefrou|صفرو",
		"MA-BRR|Berrechid|برشيد",
		"MA-KHE|Khémisset|الخميسات",
		"MA-KHN|Khénifra|خنيفرة",
		"MA-OUZ|Ouezzane|Wazzan|وزان",
		"MA-FIG|Figuig|فجيج",
		"MA-ESM|Smara|Es-Semara|السمارة",
		"MA-TNT|Tan-Tan|طانطان",
		"MA-HAO|Al Haouz|الحوز",
		"MA-TAT|Tata*",
		"MA-09|Souss*|سوس*",
		"MA-02|Oriental*|L'Oriental~|جهة الشرق",
		"|Rif*|الريف*",
		"|Sahara marocain|provinces du Sud*|الصحراء المغربية",
	},
	"DZ": {
		"DZ-16|Alger|Algiers|Algeri|الجزائر العاصمة|Bab El Oued|Bab Ezzouar|Square Port-Saïd|Hydra*|El Harrach|Zéralda|Staouéli",
		"DZ-31|Oran|Wahran|وهران|Oranie",
		"DZ-25|Constantine*|قسنطينة|Constantinois",
		"DZ-23|Annaba|Bône*|عنابة",
		"DZ-06|Béjaïa|Bejaia|Bgayet|Bougie*|بجاية",
		"DZ-15|Tizi Ouzou|تيزي وزو",
		"DZ-19|Sétif|سطيف",
		"DZ-13|Tlemcen|تلمسان",
		"DZ-11|Tamanrasset|Tamanghasset|تمنراست",
		"DZ-30|Ouargla|ورقلة|Hassi Messaoud|حاسي مسعود",
		"DZ-03|Laghouat|الأغواط|Hassi R'Mel",
		"DZ-42|Tipaza|Tipasa|تيبازة",
		"DZ-22|Sidi Bel Abbès|Sidi Bel Abbes|سيدي بلعباس",
		"DZ-58|El Meniaa|El Menia|El Goléa|المنيعة*",
		"DZ-53|In Salah*|Aïn Salah|عين صالح",
		"DZ-02|Chlef|Orléansville|الشلف",
		"DZ-39|El Oued|Oued Souf|الوادي*",
		"DZ-32|El Bayadh|البيض*",
		"DZ-45|Naâma*|النعامة*",
		"DZ-43|Mila*|ميلة",
		"DZ-29|Mascara*|معسكر",
		"DZ-01|Adrar*|أدرار",
		"DZ-28|M'Sila|Msila|المسيلة",
		"DZ-26|Médéa|المدية",
		"DZ-64|Bou Saâda|Boussaada|بوسعادة",
		"|Kabylie|Kabylia|منطقة القبائل",
		"|Aurès|Aures|الأوراس",
		"|Mitidja|متيجة",
		"|Hauts Plateaux*",
	},
	"TN": {
		"TN-11|Tunis|تونس العاصمة|Le Bardo|Bardo~|La Goulette|حلق الوادي|Carthage|قرطاج|La Marsa|المرسى*|Gammarth|Sidi Bou Saïd",
		"TN-61|Sfax|صفاقس|Kerkennah|Kerkenna|قرقنة",
		"TN-51|Sousse|سوسة*|Msaken|Hammam Sousse|Enfidha",
		"TN-23|Bizerte|Bizerta|بنزرت|Menzel Bourguiba",
		"TN-81|Gabès|قابس",
		"TN-12|Ariana*|أريانة",
		"TN-14|La Manouba|Manouba|منوبة",
		"TN-33|Le Kef|El Kef|الكاف*",
		"TN-82|Médenine|مدنين|Djerba|Jerba|جربة|Zarzis|جرجيس|Ben Guerdane|بن قردان|Ras Jedir|Ras Jdir|رأس جدير",
		"TN-32|Jendouba|جندوبة|Tabarka|طبرقة",
		"TN-71|Gafsa|قفصة|Redeyef|Métlaoui|Metlaoui",
		"TN-72|Tozeur|توزر|Nefta",
		"TN-73|Kébili|قبلي*|Douz",
		"TN-21|Nabeul|نابل|Hammamet|الحمامات|Kélibia|Kelibia",
		"TN-13|Ben Arous|بن عروس|Radès*|Hammam-Lif|Ezzahra|Mégrine",
		"TN-53|Mahdia|المهدية|Chebba",
		"TN-31|Béja~|باجة",
		"TN-41|Kairouan|Kairouane|القيروان",
		"TN-42|Kasserine|القصرين",
		"TN-43|Sidi Bouzid|سيدي بوزيد",
		"TN-83|Tataouine|تطاوين",
	},
	"LB": {
		"LB-BA|Beyrouth|Beirut|Beyrut|بيروت|Achrafieh|Ashrafieh|الأشرفية|Gemmayzé|Gemmayzeh|Mar Mikhaël|Hamra~",
		"LB-AS|Tripoli|طرابلس|Zghorta|Zgharta|زغرتا|Batroun|البترون|Bcharré|Bcharre|Bsharri|Becharré|بشري*|Koura~|Minié-Denniyé|Denniyé|Dinnieh|Nahr el-Bared|Liban-Nord|Nord-Liban|North Lebanon|شمال لبنان",
		"LB-JA|Saïda*|Sidon|Saida*|صيدا|Tyr~|Sour*|Tyre*|صور*|Jezzine|جزين|Liban-Sud|Sud-Liban|South Lebanon|Southern Lebanon|جنوب لبنان|Naqoura|الناقورة|Aïn el-Héloué|Ain al-Hilweh|عين الحلوة|Damour",
		"LB-NA|Nabatieh|Nabatiyeh|Nabatiyé|Nabatiye|النبطية|Bint Jbeil|بنت جبيل|Marjayoun|Marjeyoun|مرجعيون|Khiam|الخيام*|Hasbaya|حاصبيا",
		"LB-JL|Mont-Liban|Mount Lebanon|جبل لبنان|Aley~|عاليه*|Baabda|بعبدا|Chouf|Shouf|الشوف|Metn|Matn|المتن*|Jounieh|Jounié|جونية|Broummana|Dbayeh|Hazmieh|Dahiyé|Dahieh|Dahiyeh|الضاحية*|Bourj Hammoud|برج حمود|Bourj el-Barajneh|Chatila|Shatila|Khaldé",
		"|Kesrouan|Keserwan|Kesrwan|كسروان|Jbeil|Byblos|جبيل",
		"LB-BI|Békaa|Beqaa|Bekaa|Bekaa Valley|البقاع|Zahlé|Zahle|زحلة|Chtaura|Chtoura|شتورة|Békaa-Ouest|West Bekaa|Rachaya|راشيا",
		"LB-BH|Baalbek|Baalbeck|بعلبك|Hermel|الهرمل|Arsal|عرسال",
		"LB-AK|Akkar|عكار|Halba|حلبا",
	},
}

// otherPlaces are places of non-partner countries that news about the partner countries
// often names: they are the evidence that lets Libya win Tripoli, Portugal win Beja, or
// France win a Paris story from a Moroccan outlet.
var otherPlaces = map[string][]string{
	"LY": {
		"|Benghazi|Bengazi|بنغازي|Misrata|Misurata|Misratah|مصراتة|Tripolitaine|Tripolitania|Cyrénaïque|Cyrenaica|Fezzan|فزان|Syrte|Sirte|سرت|Tobrouk|Tobruk|طبرق|Sabha|Sebha|سبها|Derna|درنة|Zaouïa*|Zawiya|Zouara|Zuwara|زوارة|Ghadamès|Ghadames|غدامس|Mitiga|معيتيقة|Gharyan|Tarhouna|Ajdabiya",
	},
	"SY": {
		"|Alep|Aleppo|Homs|حمص|Hama~|Idleb|Idlib|إدلب|Lattaquié|Latakia|اللاذقية|Tartous|Tartus|طرطوس|Deir ez-Zor|Deir Ezzor|دير الزور|Raqqa|Rakka|الرقة*|Daraa|Deraa|درعا|Qamichli|Qamishli|Soueida|Sweida|السويداء|Kobané|Kobani",
	},
	"ML": {"|Tombouctou|Timbuktu|Kidal|Mopti|Ménaka|Menaka|Ségou|Sikasso|Gao*|Azawad"},
	"MR": {"|Nouadhibou|Zouérate|Zouerate"},
	"EG": {"|Le Caire|Cairo|القاهرة|Alexandrie|Alexandria|الإسكندرية|Port-Saïd|Port Said|بورسعيد"},
	"PT": {"|Beja~|Alentejo|Algarve|Lisbonne"},
	"IL": {"|Tel-Aviv|Tel Aviv|تل أبيب|Haïfa|Haifa"},
	"PS": {"|Gaza|غزة|Cisjordanie|West Bank|الضفة الغربية|Ramallah|رام الله"},
	"FR": {"|Marseille|Lyon|Toulouse|Bordeaux|Lille|Nantes|Strasbourg|Montpellier|Rennes|Grenoble|Île-de-France|Seine-Saint-Denis"},
	"BE": {"|Bruxelles|Brussels|Anvers|Antwerp|Liège|Charleroi"},
	"ES": {"|Ceuta|Melilla|Séville|Barcelone|Barcelona|Andalousie|Andalusia"},
	"IT": {"|Lampedusa|Sicile|Sicily"},
	"IQ": {"|Bagdad|Baghdad|Mossoul|Mosul"},
	"JO": {"|Amman"},
	"GR": {"|Athènes"},
}

// frenchCapitals fills the gap of countries.json, which only has English capitals.
var frenchCapitals = map[string]string{
	"FR": "Paris", "DZ": "Alger", "MA": "Rabat", "TN": "Tunis", "LB": "Beyrouth", "LY": "Tripoli",
	"SY": "Damas", "EG": "Le Caire", "MR": "Nouakchott", "ML": "Bamako", "NE": "Niamey",
	"SN": "Dakar", "BF": "Ouagadougou", "TD": "N'Djamena", "ES": "Madrid", "IT": "Rome",
	"DE": "Berlin", "GB": "Londres", "BE": "Bruxelles", "CH": "Berne", "PT": "Lisbonne",
	"US": "Washington", "RU": "Moscou", "CN": "Pékin", "TR": "Ankara", "IR": "Téhéran",
	"IQ": "Bagdad", "JO": "Amman", "SA": "Riyad", "QA": "Doha", "AE": "Abou Dhabi",
	"KW": "Koweït", "IL": "Jérusalem", "PS": "Ramallah", "GR": "Athènes", "NL": "Amsterdam",
	"CI": "Yamoussoukro", "CM": "Yaoundé", "SD": "Khartoum", "ET": "Addis-Abeba",
	"UA": "Kiev", "PL": "Varsovie", "AT": "Vienne~", "DK": "Copenhague", "SE": "Stockholm",
	"JP": "Tokyo", "IN": "New Delhi", "CA": "Ottawa", "BR": "Brasilia", "MX": "Mexico",
}

// arabicCapitals are the Arabic names of the capitals that the partner countries' Arabic
// press names most; countries.json has none.
var arabicCapitals = map[string]string{
	"FR": "باريس", "DZ": "الجزائر", "MA": "الرباط", "TN": "تونس", "LB": "بيروت", "LY": "طرابلس",
	"SY": "دمشق", "EG": "القاهرة", "MR": "نواكشوط", "ML": "باماكو", "NE": "نيامي", "ES": "مدريد",
	"IT": "روما", "DE": "برلين", "GB": "لندن", "BE": "بروكسل", "US": "واشنطن", "RU": "موسكو",
	"CN": "بكين", "TR": "أنقرة", "IR": "طهران", "IQ": "بغداد", "JO": "عمّان", "SA": "الرياض*",
	"QA": "الدوحة", "AE": "أبوظبي", "KW": "الكويت", "IL": "القدس", "PS": "رام الله",
}

// extraCountryNames are spellings missing from countries.json.
var extraCountryNames = map[string][]string{
	"US": {"Etats-Unis", "USA", "Amérique", "أمريكا", "امريكا", "واشنطن"},
	"GB": {"Grande-Bretagne", "Royaume Uni", "Britain", "بريطانيا"},
	"AE": {"Emirats arabes unis", "Emirats", "UAE", "الإمارات"},
	"SY": {"سورية"},
	"CD": {"RDC"},
	"SA": {"Arabie", "السعودية"},
	"LY": {"Libya"},
	"EH": {"Western Sahara"},
	"MA": {"Morocco", "مراكش"},
	"KR": {"Corée du Sud"},
	"PS": {"Palestine", "Territoires palestiniens"},
	"CZ": {"Tchéquie"},
}

// extraDemonyms are demonyms the reference data lacks (Arabic broken plurals, city
// demonyms that point to one country).
var extraDemonyms = map[string][]string{
	// Combining forms of compound adjectives ("algéro-marocaine", "libano-syrien") are
	// listed with the demonyms: each names its country.
	"IL": {"israélo"},
	"LY": {"libyo", "lybien"},
	"FR": {"franco"},
	"MA": {"maroco", "المغاربة", "Marocains", "Casablancais", "Marrakchi", "Tangérois", "Fassi~", "Rbati"},
	"DZ": {"algéro", "Algérois", "Oranais", "Kabyle", "Kabyles", "Sétifien"},
	"TN": {"tuniso", "Tunisois", "Sfaxien", "Sfaxiens", "Soussien"},
	"LB": {"libano", "Beyrouthin", "Beyrouthins", "Beyrouthine"},
	"US": {"أمريكي", "الأمريكية", "الأمريكي", "امريكي", "الامريكيه"},
	"GB": {"بريطاني", "البريطانية", "البريطاني"},
	"SY": {"syro", "Syriens"},
}

// cue is evidence for one or several countries that is not a place: leaders, parties,
// institutions, currencies. Cues count toward a country's score and help resolve
// ambiguous names, but produce no mention.
type cue struct {
	names   string // '|'-separated spellings
	weights map[string]float64
	topic   string // topic slug it also signals, if any
}

var cues = []cue{
	// Morocco
	{"Mohammed VI|Mohammed 6|محمد السادس|Akhannouch|أخنوش|Bourita|بوريطة|Laftit|لفتيت|Makhzen|المخزن|Benkirane|بنكيران|Bank Al-Maghrib|بنك المغرب", w("MA", 2), "politique"},
	{"PJD|Istiqlal|Chambre des conseillers|OCP|plan d'autonomie|Tanger Med", w("MA", 1), ""},
	{"Polisario|البوليساريو", w("MA", 1, "DZ", 0.5), "politique"},
	{"Sahara occidental|Western Sahara|الصحراء الغربية", w("MA", 2), "politique"},
	{"dirham|dirhams|درهم", w("MA", 0.75, "AE", 0.75), "economie"},
	{"DGSN|DGST", w("MA", 0.5, "DZ", 0.5), "securite"},
	// Algeria
	{"Tebboune|تبون|Chanegriha|Chengriha|شنقريحة|Sonatrach|سوناطراك|Sonelgaz|El Mouradia|المرادية", w("DZ", 2), ""},
	{"Attaf|Larbaoui|Sifi Ghrieb|Ghrieb|Conseil de la nation|Assemblée populaire nationale|المجلس الشعبي الوطني|APN|ANP", w("DZ", 1.5), "politique"},
	{"FLN|RND|MSP", w("DZ", 1), "politique"},
	{"Hirak|الحراك", w("DZ", 1, "MA", 0.25), "politique"},
	{"Anef|ANEF", w("DZ", 1), ""},
	// Tunisia
	{"Kaïs Saïed|Kais Saied|Kaies Saied|Saïed|Saied|قيس سعيد|Ennahdha|Ennahda|UGTT|Tunisair|الاتحاد العام التونسي للشغل", w("TN", 2), "politique"},
	{"Assemblée des représentants du peuple|Zenzri|Zaafrani|Madouri|Hachani|Bouden|STEG|SONEDE|Kapitalis", w("TN", 1.5), ""},
	{"ARP", w("TN", 1), "politique"},
	// Lebanon
	{"Hezbollah|Hizbollah|Hizbullah|Hezbolla|حزب الله|FINUL|UNIFIL|اليونيفيل|Nabih Berri|نبيه بري|Joseph Aoun|جوزاف عون|جوزيف عون|Nawaf Salam|نواف سلام|Mikati|Miqati|ميقاتي|Geagea|جعجع|Joumblatt|Jumblatt|جنبلاط|Grand Sérail|السراي الحكومي|Litani|الليطاني|Courant patriotique libre", w("LB", 2), ""},
	{"Aoun|Berri|Bassil|باسيل|Hariri|الحريري|Naïm Qassem|Naim Qassem|نعيم قاسم|Nasrallah|نصر الله|résolution 1701|resolution 1701", w("LB", 1.5), "politique"},
	// Libya
	{"Dbeibah|Dbeibeh|Dbeiba|Dabaiba|الدبيبة|Haftar|Hafter|حفتر|Kadhafi|Gaddafi|Qaddafi|القذافي|Menfi|Bachagha", w("LY", 2), "politique"},
	{"GNA|GNU|ANL|LNA|gouvernement d'union nationale|Government of National Unity|Government of National Accord", w("LY", 1.5), "politique"},
	// Syria
	{"al-Charaa|al-Sharaa|Ahmed al-Charaa|أحمد الشرع|Bachar al-Assad|Bashar al-Assad|Assad|HTS|Hayat Tahrir al-Sham", w("SY", 2), "politique"},
	// Sahel
	{"Goïta|Goita|غويتا|FAMa|JNIM", w("ML", 2), "securite"},
	{"Ghazouani|الغزواني", w("MR", 2), "politique"},
	{"Tiani", w("NE", 2), "politique"},
	{"Sahel|الساحل", w("ML", 1, "NE", 1, "BF", 1, "MR", 0.5, "TD", 0.5), ""},
	// Others that compete
	{"Sissi|al-Sissi|al-Sisi|السيسي", w("EG", 2), "politique"},
	{"Netanyahou|Netanyahu|نتنياهو|Tsahal|IDF", w("IL", 2), ""},
	{"Hamas", w("PS", 1.5), "securite"},
	{"Macron|ماكرون|Élysée|Elysée|Matignon|Quai d'Orsay|Bayrou|Lecornu", w("FR", 2), "politique"},
	{"Erdogan|Erdoğan|أردوغان", w("TR", 2), "politique"},
	{"Sánchez|Sanchez", w("ES", 1), "politique"},
	{"Meloni", w("IT", 2), "politique"},
	{"Trump|ترامب|Biden", w("US", 1.5), "politique"},
}

func w(kv ...any) map[string]float64 {
	m := map[string]float64{}
	for i := 0; i < len(kv); i += 2 {
		switch v := kv[i+1].(type) {
		case int:
			m[kv[i].(string)] = float64(v)
		case float64:
			m[kv[i].(string)] = v
		}
	}
	return m
}

// regionTerms name several countries at once ("le Maghreb"): each gets the weight, so an
// article about the whole Maghreb reaches every group concerned.
var regionTerms = []cue{
	{"Maghreb|pays du Maghreb|المغرب العربي|دول المغرب العربي|Afrique du Nord maghrébine", w("MA", 2, "DZ", 2, "TN", 2, "LY", 1, "MR", 1), ""},
	{"Union du Maghreb arabe|UMA|Arab Maghreb Union|اتحاد المغرب العربي", w("MA", 2, "DZ", 2, "TN", 2, "LY", 2, "MR", 2), "politique"},
	{"maghrébin|maghrébine|maghrébins|maghrébines|Maghrebi|مغاربي|المغاربية", w("MA", 0.75, "DZ", 0.75, "TN", 0.75), ""},
	{"Afrique du Nord|North Africa|شمال أفريقيا|شمال افريقيا", w("MA", 1, "DZ", 1, "TN", 1, "LY", 1, "EG", 1), ""},
	{"Levant|Proche-Orient|Moyen-Orient|Middle East|الشرق الأوسط", w("LB", 0.25, "SY", 0.25, "IL", 0.25, "JO", 0.25), ""},
}

// blockTerms shadow the shorter names they contain: "Al-Qaïda au Maghreb islamique" is
// about the Sahel, "franco-libanais" about a French person, "صلاة المغرب" is a prayer.
var blockTerms = []string{
	"Al-Qaïda au Maghreb islamique", "Al-Qaida au Maghreb islamique", "Al-Qaeda in the Islamic Maghreb", "AQMI", "AQIM",
	"franco-libanais", "franco-libanaise", "franco-libanaises", "franco-marocain", "franco-marocaine", "franco-marocains",
	"franco-algérien", "franco-algérienne", "franco-algériens", "franco-tunisien", "franco-tunisienne", "franco-tunisiens",
	"صلاة المغرب", "Tripoli, Grèce", "Saint-Constantin", "Constantine Karamanlis", "Constantine Cavafy",
	"Orange Vélodrome", "New Lebanon", "Lebanon, Ohio", "Lebanon, Pennsylvania", "Lebanon, Tennessee",
	"Tyr le dieu", "Maroc Telecom", "Maroc Télécom",
	"Liban Post",
}

// vocabulary is local-government vocabulary per country: the words that tell which
// country's institutions a text is about when no place is named ("le P/APC", "la
// délégation spéciale"). Weights stay low (≤ 1) where a word is shared by several
// countries, so vocabulary alone seldom makes a tag; it supports a place or the feed.
type vocab struct {
	names   string
	weights map[string]float64
	topic   string
}

var vocabulary = []vocab{
	// Morocco
	{"régionalisation avancée|الجهوية المتقدمة", w("MA", 2), "administration-decentralisation"},
	{"collectivités territoriales|الجماعات الترابية|الجماعات المحلية", w("MA", 0.5), "administration-decentralisation"},
	{"conseil communal|conseils communaux|المجلس الجماعي|président du conseil communal", w("MA", 1), "territorial-local"},
	{"commune urbaine|commune rurale|communes rurales|conseil préfectoral|conseil provincial|préfecture d'arrondissements", w("MA", 1), "territorial-local"},
	{"pachalik|caïdat|caïdats|caïd|cercle~|moqaddem|mokadem|chikh", w("MA", 1), "administration-decentralisation"},
	{"Direction générale des collectivités territoriales|DGCT|AREP|agence régionale d'exécution des projets|Association des Régions du Maroc|AMPCC|lois organiques 111-14|loi organique 113-14|INDH|Initiative nationale pour le développement humain", w("MA", 2), "administration-decentralisation"},
	{"Fonds d'équipement communal|FEC|programme de développement régional|plan d'action communal|schéma régional d'aménagement du territoire|SRAT", w("MA", 1), "administration-decentralisation"},
	{"wali|walis|الوالي", w("DZ", 0.5, "MA", 0.5), "administration-decentralisation"},
	{"gouverneur|gouverneurs|عامل|عمالة|إقليم", w("MA", 0.25, "TN", 0.25, "LB", 0.1), "administration-decentralisation"},
	// Algeria
	{"wilaya|wilayas|wilaya déléguée|wilayas déléguées|wali délégué|ولاية", w("DZ", 1, "MA", 0.25, "MR", 0.25), "administration-decentralisation"},
	{"daïra|daïras|chef de daïra|دائرة", w("DZ", 1), "administration-decentralisation"},
	{"APC|APW|P/APC|P/APW|assemblée populaire communale|assemblées populaires communales|assemblée populaire de wilaya|المجلس الشعبي البلدي|المجالس الشعبية البلدية|المجلس الشعبي الولائي", w("DZ", 1.5), "territorial-local"},
	{"code de la commune|code de la wilaya|loi 11-10|loi 12-07|CSGCL|plans communaux de développement|PCD|ministère de l'Intérieur, des Collectivités locales", w("DZ", 1.5), "administration-decentralisation"},
	{"Grand Sud|zones d'ombre", w("DZ", 1), "territorial-local"},
	// Tunisia
	{"gouvernorat|gouvernorats|ولاية تونس|المعتمدية|معتمدية|معتمد", w("TN", 0.75, "LB", 0.25, "EG", 0.25), "administration-decentralisation"},
	{"délégation spéciale|délégations spéciales|النيابة الخصوصية|النيابات الخصوصية", w("TN", 1.5), "territorial-local"},
	{"omda|imada|imadas|العمدة|عمادة", w("TN", 0.75), "administration-decentralisation"},
	{"Code des collectivités locales|مجلة الجماعات المحلية|Conseil national des régions et des districts|CNRD|المجلس الوطني للجهات والأقاليم|Fédération nationale des communes tunisiennes|FNCT|Caisse de prêts et de soutien des collectivités locales|CPSCL|Haute instance des finances locales|conseil de district|conseils de district|conseils locaux", w("TN", 2), "administration-decentralisation"},
	// Lebanon
	{"mohafazat|mohafazats|mohafez|muhafazat", w("LB", 1.5), "administration-decentralisation"},
	{"caza|cazas|caïmacam|caimacam|القائمقام|قائمقام|qada", w("LB", 1.5), "administration-decentralisation"},
	{"baladiyé|baladiyat|moukhtar|moukhtars|mokhtar|mokhtars|المخاتير|المختار|union de municipalités|unions de municipalités|اتحاد بلديات|Caisse autonome des municipalités|Fonds municipal autonome|ministère de l'Intérieur et des Municipalités|وزارة الداخلية والبلديات", w("LB", 1.5), "territorial-local"},
}

// commonWordQ gives the probability of a non-place reading for the marks used in the
// place notation.
const (
	qStrong = 0.6 // '*': needs context
	qWeak   = 0.3 // '~': counts unless the text points elsewhere
)

// Context words around demonyms. A demonym right after an institution ("le gouvernement
// libanais", "the Lebanese army") is about the country; after a person's description ("un
// chef libanais", "d'origine marocaine") it is about a person and weighs almost nothing.
var institutionWords = []string{
	"gouvernement", "gouvernements", "président", "présidente", "présidence", "ministre", "ministres",
	"ministère", "ministères", "armée", "armées", "militaires", "autorités", "pouvoir", "pouvoirs",
	"État", "Etat", "diplomatie", "diplomate", "diplomates", "roi", "souverain", "monarque", "royaume",
	"parlement", "députés", "sénat", "justice", "tribunal", "police", "gendarmerie", "douane",
	"douanes", "marine", "capitale", "territoire", "sol", "frontière", "frontières", "littoral",
	"côte", "côtes", "sud", "nord", "ouest", "centre", // not "est": the verb "économie", "dinar", "dirham", "livre",
	"banque", "banques", "presse", "médias", "télévision", "exécutif", "homologue", "régime",
	"opposition", "parti", "partis", "élections", "scrutin", "législatives", "présidentielle",
	"constitution", "dette", "budget", "société", "villes", "ville", "région", "régions",
	"communes", "municipalités", "collectivités", "élus", "ambassade", "ambassadeur", "consulat",
	"sélection", "équipe", "fédération", "championnat", "population", "peuple", "nation",
	"délégation", "officiels", "responsables", "entreprises", "secteur", "marché", "agriculture",
	"administration", "chef de l'État", "forces", "soldats", "troupes", "services", "renseignement",
	"patronat", "syndicats", "ports", "port", "désert", "Sahara", "campagnes", "opinion",
	"jeunesse", "gouvernorat", "wilayas", "provinces", "armee", "hôpitaux", "écoles",
	// English, the demonym comes first: "Lebanese government"
	"government", "authorities", "army", "military", "president", "presidency", "minister", "ministry",
	"parliament", "king", "monarch", "police", "capital", "state", "officials", "official", "court",
	"courts", "prime", "foreign", "interior", "economy", "pound", "lira", "troops", "forces",
	"border", "coast", "navy", "soldiers", "people", "elections", "election", "cities", "city",
	"towns", "press", "media", "team", "counterpart", "regime", "leader", "leaders", "delegation",
	"embassy", "diplomats", "banks", "budget", "debt", "municipalities", "municipal", "security",
	"territory", "coastguard", "central",
	// Arabic, noun first as in French
	"الحكومة", "الرئيس", "الرئاسة", "الجيش", "السلطات", "البرلمان", "الملك", "العاهل", "الدولة",
	"وزارة", "الوزير", "وزير", "الخارجية", "الداخلية", "الشرطة", "الأمن", "العاصمة", "الأراضي", "الجنوب",
	"الشمال", "الشعب", "المنتخب", "الدينار", "الدرهم", "الليرة", "الاقتصاد", "القضاء", "المعارضة",
	"الدبلوماسية", "الديبلوماسية", "السفارة", "السلطة", "الحدود", "المدن", "البلديات", "الولايات", "الأحزاب",
	"القوات", "السواحل", "الصحراء", "المملكة",
}

var personWords = []string{
	"franco", "origine", "cuisine", "restaurant", "restaurants", "chef", "chanteur", "chanteuse",
	"artiste", "acteur", "actrice", "écrivain", "écrivaine", "romancier", "romancière", "réalisateur",
	"réalisatrice", "joueur", "joueuse", "footballeur", "boxeur", "athlète", "rappeur", "influenceur",
	"influenceuse", "humoriste", "mannequin", "ressortissant", "ressortissante", "étudiant", "étudiante",
	"étudiants", "touriste", "touristes", "homme", "femme", "jeune", "couple", "communauté", "diaspora",
	"binational", "binationaux", "ascendance", "père", "mère", "famille", "ami", "amie", "compagnon",
	"compagne", "épouse", "mari", "plat", "pâtisserie", "musique", "danseuse", "styliste", "designer",
	"cuisinier", "cuisinière", "médecin", "suspect", "ouvrier", "ouvriers", "salarié", "patron",
	"commerçant", "boulanger", "garçon", "fille", "enfant", "adolescent",
	"born", "descent", "chef's", "restaurant", "food", "cuisine", "singer", "actor", "actress",
}

// placeNouns before an ambiguous name choose its place reading: "la wilaya de Constantine",
// "la ville de Tyr".
var placeNouns = []string{
	"wilaya", "ville", "commune", "municipalité", "gouvernorat", "province", "préfecture", "région",
	"daïra", "caza", "mohafazat", "port", "city", "town", "governorate", "district", "localité",
	"village", "quartier", "médina", "université", "aéroport", "habitants", "wali", "maire", "apc",
	"apw", "gouverneur", "caïmacam", "banlieue", "environs", "faubourgs", "camp", "plaine", "vallée",
	"ولاية", "مدينة", "بلدية", "محافظة", "قضاء", "ميناء", "جامعة", "مطار", "سكان", "بلدة", "منطقة", "مخيم",
}

// placeNounSkip are the small words allowed between a place noun and the name.
var placeNounSkip = []string{"de", "d", "du", "des", "la", "le", "l", "of", "the", "in", "à", "a", "au"}
