#!/usr/bin/python3
"""gen-feeds.py: generate N news feeds for the polling benchmark.

Usage: gen-feeds.py N DIR [--seed S] [--html]

Writes DIR/feed-00000.xml … (even numbers RSS 2.0, odd numbers Atom 1.0), each
with 20–50 items whose text is 2–5 KB, in one of several European languages
(en, de, fr, es, it, nl, pl, sv, pt, fi), and DIR/names.txt with one file name a
line. About one item in ten comes from a shared pool of stories, so the same
story appears in several feeds (under each feed's own link and guid), as
syndicated news does. The output is deterministic for a given N and seed.
With --html the item text is HTML as news sites publish it: paragraphs with a
link to the site (relative) every ~33 words and some emphasis.
"""

import os
import random
import sys
from datetime import datetime, timedelta, timezone
from xml.sax.saxutils import escape

WORDS = {
    "en": "the government said on monday that new elections would be held after "
          "parliament voted against the budget minister president council city "
          "police report market prices energy climate water school hospital "
          "workers union strike court decision investigation company shares "
          "football league season coach players weather storm flood fire village "
          "region border talks agreement europe security data privacy research",
    "de": "die regierung sagte am montag dass neue wahlen nach der abstimmung im "
          "parlament stattfinden würden minister präsident stadt polizei bericht "
          "markt preise energie klima wasser schule krankenhaus arbeiter gewerkschaft "
          "streik gericht entscheidung untersuchung unternehmen aktien fußball "
          "liga saison trainer spieler wetter sturm hochwasser brand dorf grenze",
    "fr": "le gouvernement a déclaré lundi que de nouvelles élections auraient lieu "
          "après le vote du parlement ministre président conseil ville police "
          "rapport marché prix énergie climat eau école hôpital travailleurs "
          "syndicat grève tribunal décision enquête entreprise actions football "
          "ligue saison entraîneur joueurs météo tempête inondation incendie",
    "es": "el gobierno dijo el lunes que se celebrarían nuevas elecciones tras la "
          "votación del parlamento ministro presidente consejo ciudad policía "
          "informe mercado precios energía clima agua escuela hospital trabajadores "
          "sindicato huelga tribunal decisión investigación empresa acciones fútbol",
    "it": "il governo ha detto lunedì che nuove elezioni si terranno dopo il voto "
          "del parlamento ministro presidente consiglio città polizia rapporto "
          "mercato prezzi energia clima acqua scuola ospedale lavoratori sindacato "
          "sciopero tribunale decisione indagine azienda azioni calcio campionato",
    "nl": "de regering zei maandag dat er nieuwe verkiezingen komen na de stemming "
          "in het parlement minister president raad stad politie rapport markt "
          "prijzen energie klimaat water school ziekenhuis werknemers vakbond "
          "staking rechtbank besluit onderzoek bedrijf aandelen voetbal competitie",
    "pl": "rząd poinformował w poniedziałek że nowe wybory odbędą się po głosowaniu "
          "w parlamencie minister prezydent rada miasto policja raport rynek ceny "
          "energia klimat woda szkoła szpital pracownicy związek strajk sąd decyzja "
          "śledztwo spółka akcje piłka liga sezon trener zawodnicy pogoda burza",
    "sv": "regeringen sade på måndagen att nya val skulle hållas efter omröstningen "
          "i riksdagen minister president råd stad polis rapport marknad priser "
          "energi klimat vatten skola sjukhus arbetare fack strejk domstol beslut "
          "utredning företag aktier fotboll liga säsong tränare spelare väder storm",
    "pt": "o governo disse na segunda-feira que novas eleições seriam realizadas "
          "após a votação no parlamento ministro presidente conselho cidade polícia "
          "relatório mercado preços energia clima água escola hospital trabalhadores "
          "sindicato greve tribunal decisão investigação empresa ações futebol liga",
    "fi": "hallitus sanoi maanantaina että uudet vaalit järjestetään eduskunnan "
          "äänestyksen jälkeen ministeri presidentti neuvosto kaupunki poliisi "
          "raportti markkinat hinnat energia ilmasto vesi koulu sairaala työntekijät "
          "liitto lakko tuomioistuin päätös tutkinta yhtiö osakkeet jalkapallo",
}
LANGS = sorted(WORDS)
VOCAB = {k: v.split() for k, v in WORDS.items()}
BASE = datetime(2026, 11, 1, tzinfo=timezone.utc)


HTML = "--html" in sys.argv


def sentence(rng, words):
    """A sentence; with --html, a word in 33 is a link and one in 50 emphasised."""
    out = []
    for w in rng.choices(words, k=rng.randint(8, 20)):
        r = rng.random() if HTML else 1
        if r < 0.03:
            w = '<a href="/story/%d">%s</a>' % (rng.randint(1, 99999), w)
        elif r < 0.05:
            w = "<em>%s</em>" % w
        out.append(w)
    s = " ".join(out)
    return s[0].upper() + s[1:] + ". "


def text(rng, lang, size):
    """About size bytes of sentences in a language (paragraphs with --html)."""
    out, n = [], 0
    words = VOCAB[lang]
    while n < size:
        s = sentence(rng, words)
        if HTML and rng.random() < 0.2:
            s += "</p><p>"
        out.append(s)
        n += len(s.encode())
    return ("<p>%s</p>" if HTML else "%s") % "".join(out)


def story(rng, lang):
    title = " ".join(rng.choices(VOCAB[lang], k=rng.randint(5, 10))).capitalize()
    return title, text(rng, lang, rng.randint(2000, 5000))


def rss(i, lang, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
           "<title>Feed %d</title><link>http://news%d.example/</link>" % (i, i),
           "<description>Generated feed %d</description><language>%s</language>"
           % (i, lang)]
    for j, (title, body, when) in enumerate(items):
        link = "http://news%d.example/article/%d" % (i, j)
        out.append("<item><title>%s</title><link>%s</link><guid>%s</guid>"
                   "<pubDate>%s</pubDate><description>%s</description></item>"
                   % (escape(title), link, link,
                      when.strftime("%a, %d %b %Y %H:%M:%S +0000"), escape(body)))
    out.append("</channel></rss>\n")
    return "".join(out)


def atom(i, lang, items):
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n'
           '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="%s">' % lang,
           "<title>Feed %d</title><id>http://news%d.example/</id>" % (i, i),
           '<link href="http://news%d.example/"/><updated>%s</updated>'
           % (i, BASE.strftime("%Y-%m-%dT%H:%M:%SZ"))]
    for j, (title, body, when) in enumerate(items):
        link = "http://news%d.example/article/%d" % (i, j)
        stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        out.append('<entry><title>%s</title><link href="%s"/><id>%s</id>'
                   "<updated>%s</updated><published>%s</published>"
                   '<content type="html">%s</content></entry>'
                   % (escape(title), link, link, stamp, stamp, escape(body)))
    out.append("</feed>\n")
    return "".join(out)


def main():
    args = [a for a in sys.argv[1:] if a != "--html"]
    if len(args) < 2:
        sys.exit("usage: gen-feeds.py N DIR [--seed S] [--html]")
    n, outdir = int(args[0]), args[1]
    seed = int(args[3]) if len(args) > 3 and args[2] == "--seed" else 1
    rng = random.Random(seed)
    os.makedirs(outdir, exist_ok=True)
    pool = [(lang,) + story(rng, lang) for lang in LANGS for _ in range(30)]
    names = []
    for i in range(n):
        lang = LANGS[i % len(LANGS)]
        items = []
        for j in range(rng.randint(20, 50)):
            when = BASE + timedelta(minutes=rng.randint(0, 40000))
            if rng.random() < 0.1:
                _, title, body = rng.choice([p for p in pool if p[0] == lang])
            else:
                title, body = story(rng, lang)
            items.append((title, body, when))
        name = "feed-%05d.xml" % i
        with open(os.path.join(outdir, name), "w", encoding="utf-8") as f:
            f.write((rss if i % 2 == 0 else atom)(i, lang, items))
        names.append(name)
    with open(os.path.join(outdir, "names.txt"), "w") as f:
        f.write("\n".join(names) + "\n")


if __name__ == "__main__":
    main()
