"""Annif driven through its command line, in its own virtualenv (pure: no Django).

Every run gets its projects.cfg, data directory and NLTK data directory from Khizana, and proxies that
lead nowhere (a closed local port): a model or data download attempted by Annif or NLTK fails at once
instead of reaching the network (nothing may be downloaded at run time).
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from khizana.ai import annif_data

_NOWHERE = "http://127.0.0.1:9"  # the discard port: refused, never answered


class AnnifError(Exception):
    """Annif failed or is not installed; the message says which command and why."""


@dataclass
class Annif:
    bin_dir: Path  # .venv-annif/bin
    work_dir: Path  # projects.cfg, data/, nltk_data/, vocabularies and corpora
    timeout: float = 3600.0

    @property
    def projects_file(self) -> Path:
        return self.work_dir / "projects.cfg"

    @property
    def nltk_data(self) -> Path:
        return self.work_dir / "nltk_data"

    def available(self) -> bool:
        return (self.bin_dir / "annif").is_file()

    def environment(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if k in ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")}
        return {
            **keep,
            "ANNIF_PROJECTS": str(self.projects_file),
            "ANNIF_DATADIR": str(self.work_dir / "data"),
            "NLTK_DATA": str(self.nltk_data),
            "http_proxy": _NOWHERE,
            "https_proxy": _NOWHERE,
            "HTTP_PROXY": _NOWHERE,
            "HTTPS_PROXY": _NOWHERE,
            "no_proxy": "",
            "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2"),
            "PYTHONUNBUFFERED": "1",
        }

    def _run(self, program: str, args: list[str], stdin: str | None = None) -> str:
        executable = self.bin_dir / program
        if not executable.is_file():
            raise AnnifError(f"{executable}: Annif is not installed (build its venv with `make annif`)")
        try:
            done = subprocess.run(
                [str(executable), *args],
                input=stdin,
                capture_output=True,
                text=True,
                env=self.environment(),
                cwd=self.work_dir,
                timeout=self.timeout,
            )
        except subprocess.TimeoutExpired as error:
            raise AnnifError(f"annif {' '.join(args[:2])}: no answer after {self.timeout:.0f} s") from error
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise AnnifError(f"annif {' '.join(args[:2])} failed (exit {done.returncode}): {last}")
        self.last_stderr = done.stderr
        return done.stdout

    def annif(self, *args: str, stdin: str | None = None) -> str:
        return self._run("annif", list(args), stdin)

    def write_projects(self, languages: list[str]) -> None:
        self.work_dir.mkdir(parents=True, exist_ok=True)
        (self.work_dir / "data").mkdir(exist_ok=True)
        self.projects_file.write_text(annif_data.projects_config(languages), "utf-8")

    def train_punkt(self, text_file: Path) -> Path:
        """The Punkt parameters trained on ``text_file`` (see annif_punkt.py), with Annif's own Python."""
        script = Path(__file__).with_name("annif_punkt.py")
        return Path(self._run("python", [str(script), str(text_file), str(self.nltk_data)]).strip())

    def load_vocabulary(self, language: str, tsv: Path) -> None:
        code = annif_data.LANGUAGES[language][0]
        self.annif("load-vocab", "--force", "-L", code, annif_data.vocabulary_id(language), str(tsv))

    def train(self, language: str, corpus: Path, jobs: int = 2) -> None:
        """The three backends on ``corpus``; the ensemble needs no training of its own."""
        for backend in annif_data.BACKENDS:
            self.annif("train", "--jobs", str(jobs), annif_data.project_id(language, backend), str(corpus))

    def trained_languages(self) -> list[str]:
        data = self.work_dir / "data" / "projects"
        return [
            language
            for language in annif_data.LANGUAGES
            if all((data / annif_data.project_id(language, b)).is_dir() for b in annif_data.BACKENDS)
        ]

    def suggest(self, language: str, texts: dict[str, str], limit: int = 5) -> dict[str, list]:
        """key -> suggestions for each text, with the ensemble; files in a batch directory."""
        batch = self.work_dir / "batch"
        batch.mkdir(exist_ok=True)
        for old in batch.glob("*.txt"):
            old.unlink()
        paths = {}
        for number, (key, text) in enumerate(texts.items()):
            path = batch / f"{number}.txt"
            path.write_text(annif_data.one_line(text) + "\n", "utf-8")
            paths[str(path)] = key
        if not paths:
            return {}
        output = self.annif(
            "suggest", "--limit", str(limit), annif_data.project_id(language, "ensemble"), *paths
        )
        found = annif_data.parse_suggestions(output)
        return {key: found.get(path, []) for path, key in paths.items()}

    def evaluate(self, language: str, corpus: Path, project: str = "ensemble") -> dict[str, float]:
        """F1@5, precision@1 and nDCG of a project on a held-out corpus."""
        output = self.annif(
            "eval",
            "--limit",
            "5",
            "--metric",
            "F1@5",
            "--metric",
            "Precision@1",
            "--metric",
            "NDCG",
            annif_data.project_id(language, project),
            str(corpus),
        )
        metrics = {}
        for line in output.splitlines():
            name, _, value = line.partition(":")
            try:
                metrics[name.strip()] = float(value.split()[0])
            except (ValueError, IndexError):
                continue
        return metrics
