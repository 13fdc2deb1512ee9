/*
 * european.h: sentences of news in German, French, Polish, Greek, Russian,
 * Turkish and English, for test-text and match-bench.
 */
#ifndef NW_TESTS_EUROPEAN_H
#define NW_TESTS_EUROPEAN_H

#define EUROPEAN_SENTENCES \
	"Die Universität Łódź veröffentlichte am Montag eine Studie über Künstliche " \
	"Intelligenz und die Zukunft der Arbeit in Europa. ", \
	"La société française a présenté ses résultats trimestriels, supérieurs aux " \
	"prévisions des analystes. ", \
	"Prezydent spotkał się z przedstawicielami związków zawodowych w Gdańsku. ", \
	"Η κυβέρνηση της Ελλάδας ανακοίνωσε νέα μέτρα για την οικονομία. ", \
	"Правительство России объявило о новых мерах поддержки экономики. ", \
	"Diyarbakır'da düzenlenen toplantıda yeni yatırımlar açıklandı. ", \
	"The company said on Tuesday that its new model outperformed rivals. "

#endif
