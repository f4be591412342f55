"""Makes the demo's digitised book: five page images of La Fontaine's *Fables choisies, mises en vers*,
book I (Paris, Claude Barbin, 1668; public domain), set here with Pillow as a printed book would look when
scanned in grey, and beside each page its text (``page-N.gt.txt``, what the OCR should read).

    .venv/bin/python demo/digital/make_fables.py

Writes ``demo/digital/lafontaine_fables_livre1/``. The fonts are those of the Debian packages
fonts-liberation (Liberation Serif); nothing is downloaded. The pages are made, not scanned: the demo says so
in its catalogue record (note 500) and in demo/PROVENANCE.md.
"""

from __future__ import annotations

import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FOLDER = Path(__file__).resolve().parent / "lafontaine_fables_livre1"
FONTS = Path("/usr/share/fonts/truetype/liberation")
WIDTH, HEIGHT, MARGIN = 1240, 1754, 150  # A5-ish at 200 dpi
PAPER, INK = 232, 28

TITLE_PAGE = [
    ("bold", 84, "FABLES"),
    ("bold", 60, "CHOISIES,"),
    ("regular", 44, "MISES EN VERS"),
    ("regular", 40, "PAR M. DE LA FONTAINE."),
    ("rule", 0, ""),
    ("bold", 44, "LIVRE PREMIER."),
    ("rule", 0, ""),
    ("regular", 40, "A PARIS,"),
    ("regular", 34, "Chez CLAUDE BARBIN, au Palais,"),
    ("regular", 34, "sur le Perron de la sainte Chapelle."),
    ("bold", 40, "M. DC. LXVIII."),
    ("italic", 32, "AVEC PRIVILEGE DU ROY."),
]

FABLES = [
    (
        "FABLE I.",
        "La Cigale et la Fourmi.",
        """La Cigale, ayant chanté
Tout l'été,
Se trouva fort dépourvue
Quand la bise fut venue :
Pas un seul petit morceau
De mouche ou de vermisseau.
Elle alla crier famine
Chez la Fourmi sa voisine,
La priant de lui prêter
Quelque grain pour subsister
Jusqu'à la saison nouvelle.
« Je vous paierai, lui dit-elle,
Avant l'Oût, foi d'animal,
Intérêt et principal. »
La Fourmi n'est pas prêteuse :
C'est là son moindre défaut.
« Que faisiez-vous au temps chaud ?
Dit-elle à cette emprunteuse.
— Nuit et jour à tout venant
Je chantais, ne vous déplaise.
— Vous chantiez ? j'en suis fort aise.
Eh bien ! dansez maintenant. »""",
    ),
    (
        "FABLE II.",
        "Le Corbeau et le Renard.",
        """Maître Corbeau, sur un arbre perché,
Tenait en son bec un fromage.
Maître Renard, par l'odeur alléché,
Lui tint à peu près ce langage :
« Hé ! bonjour, Monsieur du Corbeau.
Que vous êtes joli ! que vous me semblez beau !
Sans mentir, si votre ramage
Se rapporte à votre plumage,
Vous êtes le Phénix des hôtes de ces bois. »
À ces mots le Corbeau ne se sent pas de joie ;
Et pour montrer sa belle voix,
Il ouvre un large bec, laisse tomber sa proie.
Le Renard s'en saisit, et dit : « Mon bon Monsieur,
Apprenez que tout flatteur
Vit aux dépens de celui qui l'écoute :
Cette leçon vaut bien un fromage, sans doute. »
Le Corbeau, honteux et confus,
Jura, mais un peu tard, qu'on ne l'y prendrait plus.""",
    ),
    (
        "FABLE III.",
        "La Grenouille qui se veut faire aussi grosse que le Bœuf.",
        """Une Grenouille vit un Bœuf
Qui lui sembla de belle taille.
Elle, qui n'était pas grosse en tout comme un œuf,
Envieuse, s'étend, et s'enfle, et se travaille
Pour égaler l'animal en grosseur,
Disant : « Regardez bien, ma sœur ;
Est-ce assez ? dites-moi ; n'y suis-je point encore ?
— Nenni. — M'y voici donc ? — Point du tout. — M'y voilà ?
— Vous n'en approchez point. » La chétive pécore
S'enfla si bien qu'elle creva.
Le monde est plein de gens qui ne sont pas plus sages :
Tout bourgeois veut bâtir comme les grands seigneurs,
Tout petit prince a des ambassadeurs,
Tout marquis veut avoir des pages.""",
    ),
    (
        "FABLE X.",
        "Le Loup et l'Agneau.",
        """La raison du plus fort est toujours la meilleure :
Nous l'allons montrer tout à l'heure.
Un Agneau se désaltérait
Dans le courant d'une onde pure.
Un Loup survient à jeun, qui cherchait aventure,
Et que la faim en ces lieux attirait.
« Qui te rend si hardi de troubler mon breuvage ?
Dit cet animal plein de rage :
Tu seras châtié de ta témérité.
— Sire, répond l'Agneau, que Votre Majesté
Ne se mette pas en colère ;
Mais plutôt qu'elle considère
Que je me vas désaltérant
Dans le courant,
Plus de vingt pas au-dessous d'Elle ;
Et que par conséquent, en aucune façon,
Je ne puis troubler sa boisson.
— Tu la troubles, reprit cette bête cruelle ;
Et je sais que de moi tu médis l'an passé.
— Comment l'aurais-je fait si je n'étais pas né ?
Reprit l'Agneau ; je tette encor ma mère.
— Si ce n'est toi, c'est donc ton frère.
— Je n'en ai point. — C'est donc quelqu'un des tiens ;
Car vous ne m'épargnez guère,
Vous, vos bergers et vos chiens.
On me l'a dit : il faut que je me venge. »
Là-dessus, au fond des forêts
Le Loup l'emporte, et puis le mange,
Sans autre forme de procès.""",
    ),
]


def font(style: str, size: int) -> ImageFont.FreeTypeFont:
    name = {"regular": "Regular", "bold": "Bold", "italic": "Italic"}[style]
    return ImageFont.truetype(str(FONTS / f"LiberationSerif-{name}.ttf"), size)


def blank(rng: random.Random) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    """A sheet of slightly uneven paper (a few faint spots, as a scan shows)."""
    page = Image.new("L", (WIDTH, HEIGHT), PAPER)
    draw = ImageDraw.Draw(page)
    for _ in range(60):
        x, y, r = rng.randrange(WIDTH), rng.randrange(HEIGHT), rng.randint(1, 3)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=PAPER - rng.randint(10, 30))
    return page, draw


def centred(draw: ImageDraw.ImageDraw, y: int, text: str, face: ImageFont.FreeTypeFont) -> int:
    width = draw.textlength(text, font=face)
    draw.text(((WIDTH - width) / 2, y), text, font=face, fill=INK)
    return y + int(face.size * 1.45)


def finish(page: Image.Image, number: int | None, draw: ImageDraw.ImageDraw) -> Image.Image:
    if number is not None:
        centred(draw, HEIGHT - MARGIN + 40, str(number), font("regular", 30))
    return page.filter(ImageFilter.GaussianBlur(0.6))  # the softness of a scanned print


def title_page(rng: random.Random) -> tuple[Image.Image, str]:
    page, draw = blank(rng)
    y, lines = MARGIN + 120, []
    for style, size, text in TITLE_PAGE:
        if style == "rule":
            draw.line((WIDTH / 2 - 120, y + 20, WIDTH / 2 + 120, y + 20), fill=INK, width=3)
            y += 90
            continue
        y = centred(draw, y, text, font(style, size)) + 30
        lines.append(text)
    return finish(page, None, draw), "\n".join(lines)


def fable_page(rng: random.Random, number: int, fable: tuple[str, str, str]) -> tuple[Image.Image, str]:
    heading, title, verses = fable
    page, draw = blank(rng)
    centred(draw, MARGIN - 60, "FABLES CHOISIES.", font("italic", 26))
    draw.line((MARGIN, MARGIN - 20, WIDTH - MARGIN, MARGIN - 20), fill=INK, width=2)
    y = centred(draw, MARGIN + 20, heading, font("bold", 40))
    y = centred(draw, y, title, font("italic", 38 if len(title) < 40 else 30)) + 30
    lines = verses.split("\n")
    size = 34 if len(lines) < 24 else 31
    face, step = font("regular", size), int(size * 1.42)
    for line in lines:
        indent = 80 if len(line) < 22 else 0  # short lines of free verse set in, as printed
        draw.text((MARGIN + 40 + indent, y), line, font=face, fill=INK)
        y += step
    return finish(page, number, draw), "\n".join(["FABLES CHOISIES.", heading, title, *lines, str(number)])


def main() -> None:
    rng = random.Random(1668)
    FOLDER.mkdir(exist_ok=True)
    pages = [title_page(rng)] + [fable_page(rng, n, fable) for n, fable in enumerate(FABLES, start=1)]
    for sequence, (image, text) in enumerate(pages, start=1):
        image.save(FOLDER / f"page-{sequence}.png", optimize=True)
        (FOLDER / f"page-{sequence}.gt.txt").write_text(text + "\n", encoding="utf-8")
    print(f"{len(pages)} pages written to {FOLDER}")


if __name__ == "__main__":
    main()
