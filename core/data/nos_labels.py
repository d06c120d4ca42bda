#!/usr/bin/env python3
"""Prints the data lines of core/data/nos-labels.tsv from ANS FHIR CodeSystem JSON files.

Usage: nos_labels.py CodeSystem-TRE-G15-ProfessionSante.json ... > lines.tsv
Each concept's "display" is copied verbatim; the header of nos-labels.tsv (sources, dates) is
kept by hand next to these lines. Files of ANS's IG repositories (ansforge/IG-terminologie-de-sante,
ansforge/IG-NOS) or the downloads of https://mos.esante.gouv.fr/NOS/ both work.
"""

import json
import sys

TABLES = {
    "TRE-G15-ProfessionSante": "profession",
    "TRE-R09-CategorieProfessionnelle": "category",
    "TRE-R04-TypeSavoirFaire": "savoir_faire_type",
    "TRE-R38-SpecialiteOrdinale": "specialty",
    "TRE-R23-ModeExercice": "mode",
    "TRE-R02-SecteurActivite": "sector",
    "TRE-R22-GenreActivite": "genre",
}


def main(paths):
    for path in paths:
        with open(path, encoding="utf-8") as f:
            cs = json.load(f)
        table = TABLES[cs["id"]]
        for concept in cs.get("concept", []):
            label = " ".join(concept["display"].split())
            sys.stdout.write(f"{table}\t{concept['code']}\t{label}\n")


if __name__ == "__main__":
    main(sys.argv[1:])
