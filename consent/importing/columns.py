"""Which column of a contact file holds which field of a contact, guessed from its header.

The canonical headers (``email, phone, given_name, family_name, organisation, country,
category, tags``) always map to themselves; the usual variants that spreadsheets and CRMs
write ("E-mail", "Mobile", "First name", "Surname", "Company", "Country code"...) map by
themselves too. Several columns may hold emails or phone numbers (work and private, phone and
mobile); every other field takes at most one column. Columns that match nothing are not
imported, and the mapping page shows them so that staff can choose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

# (field, label shown to staff), in the order the mapping page offers them.
FIELDS: tuple[tuple[str, str], ...] = (
    ("email", "Email"),
    ("phone", "Phone"),
    ("given_name", "Given name"),
    ("family_name", "Family name"),
    ("organisation", "Organisation"),
    ("country", "Country code"),
    ("language", "Language"),
    ("category", "Category"),
    ("tags", "Tags"),
)
FIELD_LABELS = dict(FIELDS)
MULTI_COLUMN = frozenset({"email", "phone"})
IDENTIFIER_FIELDS = ("email", "phone")

# Headers reduced by _key(): lowercase, accents and punctuation removed, trailing digits dropped.
_ALIASES: dict[str, str] = {
    **dict.fromkeys(
        (
            "email",
            "mail",
            "emailaddress",
            "mailaddress",
            "workemail",
            "privateemail",
            "personalemail",
            "primaryemail",
            "secondaryemail",
            "courriel",
            "adressemail",
            "emailadresse",
        ),
        "email",
    ),
    **dict.fromkeys(
        (
            "phone",
            "phonenumber",
            "telephone",
            "telephonenumber",
            "tel",
            "mobile",
            "mobilephone",
            "mobilenumber",
            "cell",
            "cellphone",
            "workphone",
            "officephone",
            "telefon",
            "telefonnummer",
            "handy",
            "portable",
        ),
        "phone",
    ),
    **dict.fromkeys(
        ("givenname", "firstname", "forename", "first", "vorname", "prenom"), "given_name"
    ),
    **dict.fromkeys(
        ("familyname", "lastname", "surname", "last", "nachname", "nom", "nomdefamille"),
        "family_name",
    ),
    **dict.fromkeys(
        (
            "organisation",
            "organization",
            "organisationname",
            "organizationname",
            "org",
            "company",
            "companyname",
            "employer",
            "institution",
            "firma",
            "unternehmen",
            "entreprise",
        ),
        "organisation",
    ),
    **dict.fromkeys(
        ("country", "countrycode", "countryiso", "land", "pays"),
        "country",
    ),
    **dict.fromkeys(("language", "lang", "preferredlanguage", "sprache", "langue"), "language"),
    **dict.fromkeys(
        ("category", "stakeholdercategory", "stakeholdertype", "kategorie", "categorie"),
        "category",
    ),
    **dict.fromkeys(("tags", "tag", "labels", "label", "keywords"), "tags"),
}


def _key(header: str) -> str:
    decomposed = unicodedata.normalize("NFKD", header.strip().lower())
    letters = "".join(c for c in decomposed if c.isascii() and c.isalnum())
    return re.sub(r"\d+$", "", letters)


def guess_field(header: str) -> str:
    """The field a header names, or ``""`` when it names none we know."""
    key = _key(header)
    if key in _ALIASES:
        return _ALIASES[key]
    if "email" in key:
        return "email"
    if "phone" in key or "mobile" in key:
        return "phone"
    return ""


@dataclass(frozen=True)
class ColumnMapping:
    """For each column of the file, in order, the field it fills (``""``: not imported)."""

    fields: tuple[str, ...]

    @classmethod
    def guess(cls, header: Sequence[str]) -> ColumnMapping:
        """Map every column whose header we recognise; a later column never steals a field."""
        taken: set[str] = set()
        fields: list[str] = []
        for name in header:
            field = guess_field(name)
            if field in taken and field not in MULTI_COLUMN:
                field = ""
            taken.add(field)
            fields.append(field)
        return cls(tuple(fields))

    def columns(self, field: str) -> tuple[int, ...]:
        return tuple(i for i, f in enumerate(self.fields) if f == field)

    def column(self, field: str) -> int | None:
        found = self.columns(field)
        return found[0] if found else None

    def problems(self) -> dict[str, str]:
        """What stops this mapping being imported, by field ("columns" for the whole)."""
        errors: dict[str, str] = {}
        unknown = sorted({f for f in self.fields if f and f not in FIELD_LABELS})
        if unknown:
            errors["columns"] = "Choose a field from the list for every column."
        if not any(f in IDENTIFIER_FIELDS for f in self.fields):
            errors["columns"] = "Choose at least one column with email addresses or phone numbers."
        for field, label in FIELDS:
            if field not in MULTI_COLUMN and len(self.columns(field)) > 1:
                errors[field] = f"Only one column can hold the {label.lower()}."
        return errors

    def ignored(self, header: Sequence[str]) -> list[str]:
        """Headers of the columns that will not be imported."""
        return [name for name, field in zip(header, self.fields, strict=False) if not field]
