from khizana.ai import annif_data


def test_uris_are_stable_and_ignore_spacing_and_case():
    assert annif_data.heading_uri("France -- Histoire") == annif_data.heading_uri(" france  --  HISTOIRE ")
    assert annif_data.heading_uri("France") != annif_data.heading_uri("Paris")


def test_corpus_and_vocabulary(tmp_path):
    docs = [
        annif_data.Document("Un\ttitre\nsur deux lignes", ["Paris", "France"]),
        annif_data.Document("", ["Vide"]),
        annif_data.Document("Sans sujet", []),
    ]
    assert annif_data.write_corpus(tmp_path / "c.tsv", docs) == 1
    text, uris = (tmp_path / "c.tsv").read_text().rstrip("\n").split("\t")
    assert text == "Un titre sur deux lignes" and len(uris.split()) == 2
    assert annif_data.write_vocabulary(tmp_path / "v.tsv", ["Paris", "Paris ", "France"]) == 2


def test_parse_suggestions_of_several_files():
    output = "Suggestions for a.txt\n<http://x/1>\tParis\t0.5\nSuggestions for b.txt\n"
    found = annif_data.parse_suggestions(output)
    assert found["a.txt"][0].label == "Paris" and found["a.txt"][0].score == 0.5 and found["b.txt"] == []


def test_supporting_words():
    why = annif_data.supporting_words(
        "Histoire de la Révolution à Paris",
        "France -- Histoire -- Révolution",
        ["Les révolutionnaires parisiens"],
    )
    assert why == ["histoire", "révolution", "paris"]
