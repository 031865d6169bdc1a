package tag

// Topics are the six news topics of product.md §5. Each has a keyword lexicon in French,
// English and Arabic; a trailing '*' marks a stem that matches any word it begins (so
// "électora*" covers électoral, électorale, électorales). Weights: 1 for words that name
// the topic on their own, 0.5 for words that only lean towards it; a topic is reported
// from a total of 1.
type topicLexicon struct {
	slug   string
	strong string // weight 1
	weak   string // weight 0.5
}

var topicLexicons = []topicLexicon{
	{
		slug: "politique",
		strong: "élection|élections|électora*|scrutin|législatives|présidentielle|référendum|parlement|parlementaire*|député|députés|sénat|sénateur*|" +
			"gouvernement|remaniement|Premier ministre|chef du gouvernement|chef de l'État|président de la République|parti politique|partis politiques|" +
			"opposition|coalition|diplomatie|diplomatique*|ambassadeur|ambassadrice|ministre des Affaires étrangères|sommet|constitution|constitutionnel*|" +
			"election|elections|electoral|parliament|parliamentary|lawmakers|government|prime minister|president|opposition|diplomatic|diplomacy|summit|cabinet|" +
			"انتخابات|الانتخابات|الانتخابية|البرلمان|البرلمانية|الحكومة|رئيس الحكومة|رئيس الجمهورية|الأحزاب|حزب|المعارضة|الدبلوماسية|السفير|قمة|الدستور|مجلس النواب",
		weak: "ministre|ministres|président|présidente|politique*|vote|votes|réforme|réformes|majorité|minister|vote|party|policy|وزير|الرئيس|سياسي*",
	},
	{
		slug: "administration-decentralisation",
		strong: "décentralisation|décentralis*|déconcentration|régionalisation|collectivités territoriales|collectivités locales|code des collectivités|" +
			"découpage administratif|réforme administrative|transfert de compétences|finances locales|fiscalité locale|ministère de l'Intérieur|" +
			"administration territoriale|fonction publique|préfet|préfète|wali|gouverneur|gouverneurs|circonscription*|" +
			"decentralisation|decentralization|decentralized|local government|local governments|governorate|governor|civil service|" +
			"اللامركزية|الجهوية|الجماعات الترابية|الجماعات المحلية|الجماعات الحضرية|التقسيم الإداري|الوالي|المحافظ|وزارة الداخلية|الإدارة",
		weak: "administrati*|réforme de l'État|décret|décrets|nomination|nominations|fonctionnaires|administration|bureaucra*|administrative|decree|إداري*|مرسوم|تعيين",
	},
	{
		slug: "territorial-local",
		strong: "commune|communes|municipalité|municipalités|municipal|municipale|municipales|municipaux|conseil communal|conseil municipal|conseils municipaux|" +
			"maire|maires|mairie|élus locaux|élections locales|élections municipales|conseil régional|conseils régionaux|aménagement du territoire|" +
			"urbanisme|quartier|quartiers|voirie|assainissement|eau potable|déchets|collecte des ordures|transport urbain|intercommunalité|" +
			"jumelage|jumelages|coopération décentralisée|" +
			"municipality|municipalities|mayor|city council|local council|local elections|municipal elections|urban planning|sanitation|twinning|" +
			"بلدية|البلدية|البلديات|المجلس البلدي|المجالس البلدية|المجلس الجماعي|رئيس البلدية|رئيس المجلس الجماعي|الانتخابات البلدية|الانتخابات المحلية|التهيئة|الصرف الصحي|النفايات",
		weak: "ville|villes|région|régions|local|locale|locaux|locales|province|provinces|village|villages|rural|rurale|rurales|urbain|urbaine|city|town|village|rural|urban|مدينة|قرية|جهة",
	},
	{
		slug: "economie",
		strong: "économie|économique*|croissance|inflation|PIB|investissement*|investisseur*|budget|budgétaire|dette|FMI|Banque mondiale|exportation*|importation*|" +
			"commerce extérieur|chômage|emploi|entreprise*|industrie*|industriel*|pétrole|gaz|phosphate*|tourisme|touristique*|dinar|dirham|devises|bourse|banque centrale|" +
			"taux directeur|loi de finances|prix|pouvoir d'achat|subvention*|agricole*|récolte|startup*|" +
			"economy|economic|growth|inflation|GDP|investment|investments|investor*|IMF|World Bank|exports|imports|trade|unemployment|jobs|industry|oil|gas|tourism|central bank|prices|" +
			"الاقتصاد|الاقتصادية|الاقتصادي|الاستثمار|الاستثمارات|التضخم|الميزانية|صندوق النقد الدولي|البنك الدولي|الصادرات|الواردات|البطالة|التشغيل|السياحة|النفط|الغاز|الأسعار|البنك المركزي",
		weak: "marché|marchés|financ*|fiscal*|salaire*|projet|projets|market|finance|prix|مشروع|مشاريع|تمويل",
	},
	{
		slug: "securite",
		strong: "sécurité|sécuritaire*|attentat*|terroris*|armée|militaire*|frappe|frappes|bombardement*|attaque|attaques|police|policier*|gendarmerie|arrestation*|" +
			"interpellé*|démantèlement|démantelé*|trafic|trafiquant*|drogue*|contrebande|conflit|guerre|cessez-le-feu|milice*|affrontement*|drone*|raid|raids|otage*|" +
			"security|attack|attacks|army|military|airstrike*|strike|strikes|bombing|police|terror*|war|ceasefire|militia*|clashes|drone|drones|arrested|smuggling|" +
			"الأمن|الأمنية|هجوم|الجيش|إرهاب*|الإرهاب*|الشرطة|غارة|غارات|قصف|اشتباكات|حرب|الحرب|وقف إطلاق النار|اعتقال|توقيف|تهريب|مخدرات",
		weak: "sécurisation|violence*|violent*|tué|tués|morts|blessés|victime*|frontière|frontières|secur*|killed|border|قتلى|جرحى|الحدود",
	},
	{
		slug: "societe",
		strong: "santé|hôpital|hôpitaux|médecin*|éducation|école|écoles|enseignement|université*|étudiant*|élèves|jeunesse|jeunes|femmes|droits des femmes|" +
			"droits de l'homme|migration*|migrant*|émigration|grève|grèves|syndicat*|manifestation*|manifestant*|protestation*|pauvreté|logement|culture|culturel*|" +
			"festival|patrimoine|religion|religieu*|ramadan|handicap*|chômeurs|société civile|associations|sport|football|" +
			"health|hospital|education|school|schools|university|students|youth|women|human rights|migrants|migration|protest|protests|poverty|housing|culture|festival|heritage|" +
			"الصحة|المستشفى|التعليم|المدرسة|الجامعة|الطلبة|الشباب|المرأة|النساء|حقوق الإنسان|الهجرة|المهاجرين|إضراب|احتجاج*|الاحتجاجات|الفقر|السكن|الثقافة|مهرجان|التراث|المجتمع المدني",
		weak: "société|social|sociale|sociaux|famille*|enfant*|population|citoyen*|public|community|families|children|social|citizens|المواطنين|اجتماعي*|الأسر",
	},
}
