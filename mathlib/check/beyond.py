"""The self-checking exercise of Part IV, Beyond Hello World (chapter 12).

    check.translate_phrase(f)     chapter 12

It runs the reader's answer against mathlib.phrases's rule and prints the verdict
(mathlib.check.verdict).
"""
from .. import phrases
from .verdict import run


# --- chapter 12 ---------------------------------------------------------------------------

def _spanish(det, adj, noun, article_g=None, adj_g=None, before=False):
    """A phrase by the rule with some of it wrong: the article or the
    adjective in a fixed gender (0 or 1; None: the noun's), or the
    adjective before the noun."""
    spanish, gender = phrases.NOUNS[noun]
    g = 0 if gender == "m" else 1
    article = phrases.DETERMINERS[det][g if article_g is None else article_g]
    adjective = phrases.ADJECTIVES[adj][g if adj_g is None else adj_g]
    words = (article, adjective, spanish) if before else \
        (article, spanish, adjective)
    return " ".join(words)


def _spanish_swapped(det, adj, noun):
    g = 1 if phrases.NOUNS[noun][1] == "m" else 0
    return _spanish(det, adj, noun, article_g=g, adj_g=g)


def translate_phrase(answer):
    """translate_phrase(det, adj, noun) → the Spanish phrase, by the rule
    of chapter 12 (phrases.translate): article, noun, adjective, the
    article and the adjective in the noun's gender."""
    cases = [dict(det="the", adj="red", noun="car"),
             dict(det="the", adj="red", noun="house"),
             dict(det="a", adj="old", noun="door"),
             dict(det="a", adj="new", noun="book"),
             dict(det="the", adj="clean", noun="window"),
             dict(det="a", adj="cheap", noun="shirt")]
    mistakes = [
        (lambda det, adj, noun: _spanish(det, adj, noun, before=True),
         "the adjective comes before the noun, as in English: Spanish "
         "puts it after the noun."),
        (lambda det, adj, noun: _spanish(det, adj, noun, 0, 0),
         "the article and the adjective are masculine whatever the noun: "
         "both take the noun's gender, the second element of "
         "phrases.NOUNS[noun]."),
        (lambda det, adj, noun: _spanish(det, adj, noun, article_g=0),
         "the article is masculine whatever the noun: it takes the "
         "noun's gender (phrases.DETERMINERS[det] holds the masculine "
         "and the feminine article)."),
        (lambda det, adj, noun: _spanish(det, adj, noun, adj_g=0),
         "the adjective does not agree: it takes the noun's gender "
         "(phrases.ADJECTIVES[adj] holds the masculine and the feminine "
         "form)."),
        (_spanish_swapped,
         "the genders are swapped: in each (masculine, feminine) pair "
         "the masculine form comes first, and 'm' marks a masculine "
         "noun."),
        (lambda det, adj, noun: _spanish("a" if det == "the" else "the",
                                         adj, noun),
         "the articles are swapped: 'the' is the definite article, 'a' "
         "the indefinite one (see phrases.DETERMINERS)."),
    ]

    def generic(args, got, want):
        if isinstance(got, (list, tuple)):
            return ("return one string, the words one space apart, not "
                    "a list of words.")
        if not isinstance(got, str):
            return "return the Spanish phrase as a string."
        words = got.lower().replace("<eos>", "").split()
        if words == want.split():
            return ("the words are right: write them in lower case, one "
                    "space apart, and nothing else.")
        if sorted(words) == sorted(want.split()):
            return ("the right words in the wrong order: the article, "
                    "then the noun, then the adjective.")
        if args["noun"] in words or args["adj"] in words:
            return ("an English word is left: translate the noun and "
                    "the adjective (phrases.NOUNS, phrases.ADJECTIVES).")
    run("translate_phrase", answer, cases, phrases.translate, mistakes,
        generic)
