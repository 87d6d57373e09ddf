"""Generate a large realistic content tree for benchmarks (N lessons spread over courses)."""
from __future__ import annotations

import random
from pathlib import Path

WORDS = ("souris clavier écran internet sécurité mot de passe courriel candidature entretien équipe "
         "temps message banque paiement données personnelles cliquer ouvrir fermer fenêtre lien page "
         "site navigateur adresse compte connexion téléphone application photo document imprimer "
         "enregistrer dossier fichier réseau wifi code secret arnaque prudence conseil exemple").split()


def paragraph(rng: random.Random, words: int) -> str:
    text = " ".join(rng.choice(WORDS) for _ in range(words))
    return text[0].upper() + text[1:] + "."


def lesson(rng: random.Random, number: int) -> str:
    steps = "\n\n".join(f"## Étape {i}\n\n{paragraph(rng, 60)}\n\n{paragraph(rng, 40)}" for i in range(1, 5))
    return (f"---\nid: bench-{number}\ntitle: Leçon {number}\nduration: 10\n---\n# Leçon {number}\n\n"
            f"{paragraph(rng, 50)}\n\n{steps}\n\n```quiz\n? Question {number} ?\n( ) Non\n  > Pas tout à fait.\n"
            f"(x) Oui\n  > Bravo.\n? Le wifi est un réseau.\ntrue\n? Quelle touche écrit les majuscules ?\n= Maj\n```\n")


def generate(root: Path, lessons: int, per_course: int = 50, seed: int = 1) -> Path:
    rng = random.Random(seed)
    for number in range(lessons):
        course = root / f"{number // per_course + 1:03d}-course"
        course.mkdir(parents=True, exist_ok=True)
        if not (course / "course.yml").exists():
            (course / "course.yml").write_text(f"title: Formation {number // per_course + 1}\nlanguage: fr\n")
        (course / f"{number % per_course + 1:03d}-lesson.md").write_text(lesson(rng, number), encoding="utf-8")
    return root
