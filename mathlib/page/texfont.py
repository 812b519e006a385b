r"""The TeX fonts' metrics as MathJax 3 uses them, in em: glyph widths, atom classes,
spacing between classes, script sizes and delimiter sizes (mathlib.page.texwidth
measures LaTeX with them).
"""

# A small model of TeX's math layout as MathJax 3 does it (TeX fonts, in em): glyph widths,
# the spacing between atom classes, script sizes, fractions, roots, delimiters sized to what
# they enclose, matrices and aligned blocks. The glyph widths are MathJax's TeX font metrics,
# grouped (rounded to about 0.01 em).

def _widths(groups):
    return {c: w for w, chars in groups.items() for c in chars}


ROMAN = _widths({.25: " ", .278: "il.,:;!'|[]", .306: "j", .333: "-", .35: "f", .361: "I", .389: "()t",
                  .394: "rs", .444: "cez", .472: "?", .5: "0123456789ago/*\"`^~J", .528: "kqvxy",
                  .556: "bdhnpuS", .611: "Z", .625: "L", .653: "F", .681: "EP", .708: "B",
                  .722: "CTw", .736: "R", .75: "AHNUVXY", .764: "D", .778: "KOQ+=<>&@", .785: "G",
                  .833: "m#%", .917: "M", 1.028: "W"})
ITALIC = _widths({.297: "l", .344: "i", .36: "t", .412: "j", .43: "bc", .455: "r", .465: "qzes",
                   .48: "govy", .51: "pI", .525: "dka", .55: "f", .575: "uxh", .6: "n", .64: "JS",
                   .7: "LTwZ", .755: "AFPBCROYEUVQ", .785: "G", .84: "DX", .885: "mHKN", 1.05: "WM"})
CHAR_CLASS = {"+": "bin", "-": "bin", "*": "bin", "=": "rel", "<": "rel", ">": "rel", ":": "rel",
               ",": "punct", ";": "punct", "(": "open", "[": "open", ")": "close", "]": "close",
               "!": "close", "?": "close"}
SYMBOLS = {   # command: (class, width)
    r"\cdot": ("bin", .278), r"\times": ("bin", .778), r"\pm": ("bin", .778), r"\mp": ("bin", .778),
    r"\div": ("bin", .778), r"\ast": ("bin", .5), r"\circ": ("bin", .5), r"\odot": ("bin", .778),
    r"\oplus": ("bin", .778), r"\otimes": ("bin", .778), r"\setminus": ("bin", .5),
    r"\approx": ("rel", .778), r"\neq": ("rel", .778), r"\ne": ("rel", .778), r"\leq": ("rel", .778),
    r"\le": ("rel", .778), r"\geq": ("rel", .778), r"\ge": ("rel", .778), r"\equiv": ("rel", .778),
    r"\sim": ("rel", .778), r"\propto": ("rel", .778), r"\in": ("rel", .667), r"\mid": ("rel", .278),
    r"\to": ("rel", 1.0), r"\rightarrow": ("rel", 1.0), r"\leftarrow": ("rel", 1.0), r"\gets": ("rel", 1.0),
    r"\Rightarrow": ("rel", 1.0), r"\mapsto": ("rel", 1.0), r"\longrightarrow": ("rel", 1.638),
    r"\Longrightarrow": ("rel", 1.638), r"\iff": ("rel", 1.972), r"\colon": ("punct", .278),
    r"\infty": ("ord", 1.0), r"\top": ("ord", .778), r"\bot": ("ord", .778), r"\partial": ("ord", .566),
    r"\nabla": ("ord", .833), r"\ell": ("ord", .417), r"\prime": ("ord", .275), r"\emptyset": ("ord", .5),
    r"\forall": ("ord", .556), r"\exists": ("ord", .556), r"\%": ("ord", .833), r"\#": ("ord", .833),
    r"\_": ("ord", .5), r"\$": ("ord", .5), r"\&": ("ord", .778), r"\vert": ("ord", .278),
    r"\|": ("ord", .5), r"\langle": ("open", .389), r"\rangle": ("close", .389), r"\{": ("open", .5),
    r"\}": ("close", .5), r"\lbrack": ("open", .278), r"\rbrack": ("close", .278), r"\lvert": ("open", .278),
    r"\rvert": ("close", .278), r"\cdots": ("inner", 1.172), r"\ldots": ("inner", 1.172),
    r"\dots": ("inner", 1.172), r"\vdots": ("ord", .278), r"\ddots": ("inner", 1.282),
    r"\alpha": ("ord", .64), r"\beta": ("ord", .566), r"\gamma": ("ord", .518), r"\delta": ("ord", .444),
    r"\epsilon": ("ord", .406), r"\varepsilon": ("ord", .466), r"\zeta": ("ord", .438), r"\eta": ("ord", .497),
    r"\theta": ("ord", .469), r"\iota": ("ord", .354), r"\kappa": ("ord", .576), r"\lambda": ("ord", .583),
    r"\mu": ("ord", .603), r"\nu": ("ord", .494), r"\xi": ("ord", .438), r"\pi": ("ord", .57),
    r"\rho": ("ord", .517), r"\sigma": ("ord", .571), r"\tau": ("ord", .437), r"\phi": ("ord", .596),
    r"\varphi": ("ord", .654), r"\chi": ("ord", .626), r"\psi": ("ord", .651), r"\omega": ("ord", .622),
    r"\Gamma": ("ord", .625), r"\Delta": ("ord", .833), r"\Theta": ("ord", .778), r"\Lambda": ("ord", .694),
    r"\Xi": ("ord", .667), r"\Pi": ("ord", .75), r"\Sigma": ("ord", .722), r"\Phi": ("ord", .722),
    r"\Psi": ("ord", .778), r"\Omega": ("ord", .722),
}
SPACES = {r"\quad": 1.0, r"\qquad": 2.0, r"\;": 5 / 18, r"\:": 2 / 9, r"\>": 2 / 9, r"\,": 1 / 6,
           r"\!": -1 / 6, "\\ ": .25, "~": .25, r"\enspace": .5, r"\thinspace": 1 / 6}
OPERATORS = {r"\sin", r"\cos", r"\tan", r"\exp", r"\log", r"\ln", r"\max", r"\min", r"\arg",
              r"\det", r"\dim", r"\lim", r"\sup", r"\inf", r"\argmax", r"\argmin", r"\tanh"}
LIMITS = {r"\max", r"\min", r"\lim", r"\sup", r"\inf", r"\argmax", r"\argmin", r"\sum", r"\prod"}
IGNORED = {r"\displaystyle", r"\textstyle", r"\scriptstyle", r"\scriptscriptstyle", r"\limits",
            r"\nolimits", r"\nonumber", r"\notag", r"\left", r"\right", r"\middle"}
DELIM_SIZES = {   # widths of a delimiter at sizes normal, 1..4, extensible
    "(": (.389, .458, .597, .736, .792, .875), ")": (.389, .458, .597, .736, .792, .875),
    "[": (.278, .417, .472, .528, .583, .667), "]": (.278, .417, .472, .528, .583, .667),
    r"\{": (.5, .583, .667, .75, .806, .889), r"\}": (.5, .583, .667, .75, .806, .889),
    r"\langle": (.389, .472, .472, .528, .611, .611), r"\rangle": (.389, .472, .472, .528, .611, .611),
    "|": (.278, .333, .333, .333, .333, .333), r"\|": (.5, .556, .556, .556, .556, .556),
    ".": (0.0,) * 6,
}
BIG = {r"\big": 1, r"\Big": 2, r"\bigg": 3, r"\Bigg": 4}
SCALE = (1.0, 1.0, .707, .5)      # display, text, script, scriptscript
THIN, MED, THICK = 1 / 6, 2 / 9, 5 / 18
GAPS = {   # (left class, right class): (space, also in script styles) -- TeXbook, chapter 18
    ("ord", "op"): (THIN, True), ("ord", "bin"): (MED, False), ("ord", "rel"): (THICK, False),
    ("ord", "inner"): (THIN, False), ("op", "ord"): (THIN, True), ("op", "op"): (THIN, True),
    ("op", "rel"): (THICK, False), ("op", "inner"): (THIN, False), ("bin", "ord"): (MED, False),
    ("bin", "op"): (MED, False), ("bin", "open"): (MED, False), ("bin", "inner"): (MED, False),
    ("rel", "ord"): (THICK, False), ("rel", "op"): (THICK, False), ("rel", "open"): (THICK, False),
    ("rel", "inner"): (THICK, False), ("close", "op"): (THIN, True), ("close", "bin"): (MED, False),
    ("close", "rel"): (THICK, False), ("close", "inner"): (THIN, False),
    ("inner", "ord"): (THIN, False), ("inner", "op"): (THIN, True), ("inner", "bin"): (MED, False),
    ("inner", "rel"): (THICK, False), ("inner", "open"): (THIN, False), ("inner", "punct"): (THIN, False),
    ("inner", "inner"): (THIN, False),
    **{("punct", c): (THIN, False) for c in ("ord", "op", "rel", "open", "close", "punct", "inner")},
}
