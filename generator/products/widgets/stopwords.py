"""Stop words the context widget ignores, for the site languages (sv, da, nb, en).

A host page's h1 such as "Lampor till hallen" must rank by "lampor" and
"hallen", never by "till" (which would match "Namnlapp till godispåsar").
The words are stored folded exactly as `payload.tokens` and widget.js fold
text (lowercase, accents stripped, at least two characters), so "för" is
"for" and "på" is "pa". The widget's JSON carries the union of all four
lists: a Swedish widget is often embedded in a Danish, Norwegian or English
page. This module holds data only.
"""

from __future__ import annotations

STOP_WORDS: dict[str, frozenset[str]] = {
    "sv": frozenset("""
        alla allt att av bara bli blir da de dem den denna deras dess dessa det detta dig din dina
        ditt du dar efter eller en er era ert ett for fran ha hade han hans har hela hon honom hur
        har i icke ingen inom inte jag ju kan kunde man med mellan men mig min mina mitt mot mycket
        ni nu nar nagon nagot nagra och om oss pa samma sedan sig sin sina sitt ska skall som till
        under upp ut utan vad var vara varfor varit vart vi vid vilka vilken vilket ar at over
        bast basta guide tips kopa koper kop nya ny nytt
        """.split()),
    "da": frozenset("""
        af alle andet andre at begge blev bliver da de dem den denne der deres det dette dig din
        disse dit du efter eller en end er et for fra ham han hans har havde hende hendes her hos
        hun hvad hvis hvor hvordan ikke ind jeg jer kan kunne man mange med meget men mig min mine
        mit mod ned noget nogle nu nar og om op os over pa sa selv sig sin sine sit skal som til
        ud under var vi vil ville vor vores bedste kob kobe guide
        """.split()),
    "nb": frozenset("""
        alle andre at av bare begge ble blir da de dem den denne der deres det dette deg din dine
        ditt du eller en ene er et ett etter for fra ham han hans har hadde hun hva hvem hvis hvor
        hvordan i ikke inn jeg kan kunne man med meg men min mine mitt mot mye na ned noe noen nar
        og om opp oss over pa sa seg selv sin sine sitt skal som til under ut var vi vil ville
        ved vart beste kjop kjope guide
        """.split()),
    "en": frozenset("""
        about after all an and any are as at be been before best but buy by can could do does for
        from get guide had has have he her his how if in into is it its more most my new no not
        of on or our out over she so some than that the their them then there these they this
        those to under up us vs was we were what when where which who why will with you your
        """.split()),
}

ALL_STOP_WORDS: frozenset[str] = frozenset().union(*STOP_WORDS.values())
