"""Write ``samestory/params/language_words.json``: each wordfreq language's most frequent
words, read by :func:`samestory.lexical.detect_language`'s fast path.

    python scripts/make_language_words.py [--top 200] [--check]

The lists are wordfreq's ``top_n_list(lang, top)`` for every language wordfreq has (those
the detector may answer and the others, which keep a close neighbour from looking like
one it may answer: Slovak beside Czech, Bokmål beside Danish). ``--check`` fails if the
shipped file differs from what the installed wordfreq gives.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from samestory import params  # noqa: E402
from samestory.lexical import LANGUAGE_WORDS_FILE  # noqa: E402


def build(top: int) -> dict[str, object]:
    from importlib.metadata import version

    import wordfreq

    languages = sorted(wordfreq.available_languages())
    return {
        "source": f"wordfreq {version('wordfreq')} top_n_list(lang, {top})",
        "top": top,
        "words": {lang: wordfreq.top_n_list(lang, top) for lang in languages},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--top", type=int, default=200)
    parser.add_argument("--check", action="store_true", help="compare with the shipped file")
    args = parser.parse_args(argv)
    data = build(args.top)
    path = Path(params.path_of(LANGUAGE_WORDS_FILE))
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    if args.check:
        same = path.read_text(encoding="utf-8") == text
        print(f"{path}: {'up to date' if same else 'DIFFERS from wordfreq'}")
        return 0 if same else 1
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path} ({len(text.encode()):,} bytes, {len(data['words'])} languages)")  # type: ignore[arg-type]
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
