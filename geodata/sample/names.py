"""Synthetic place names in English and Urdu script (deterministic)."""

from __future__ import annotations

__all__ = ["synthetic_name", "unique_names"]

# Syllables with their Urdu spelling, for plausible bilingual synthetic names.
_PREFIX = [
    ("Basti", "بستی"),
    ("Chak", "چک"),
    ("Dera", "ڈیرہ"),
    ("Goth", "گوٹھ"),
    ("Kot", "کوٹ"),
    ("Mohalla", "محلہ"),
    ("Killi", "کلی"),
    ("Dhok", "ڈھوک"),
    ("Pind", "پنڈ"),
    ("Banda", "بانڈہ"),
]
_STEM = [
    ("Sher", "شیر"),
    ("Mir", "میر"),
    ("Shah", "شاہ"),
    ("Gul", "گل"),
    ("Noor", "نور"),
    ("Jan", "جان"),
    ("Fateh", "فتح"),
    ("Sultan", "سلطان"),
    ("Karim", "کریم"),
    ("Rahim", "رحیم"),
    ("Bahadur", "بہادر"),
    ("Haji", "حاجی"),
    ("Malik", "ملک"),
    ("Sardar", "سردار"),
    ("Umar", "عمر"),
    ("Daud", "داؤد"),
    ("Ismail", "اسماعیل"),
    ("Yousaf", "یوسف"),
    ("Qadir", "قادر"),
    ("Hassan", "حسن"),
]
_SUFFIX = [
    ("Khan", "خان"),
    ("Abad", "آباد"),
    ("Pur", "پور"),
    ("Wala", "والا"),
    ("Garh", "گڑھ"),
    ("Zai", "زئی"),
    ("Kalan", "کلاں"),
    ("Khurd", "خورد"),
    ("Nagar", "نگر"),
    ("Bala", "بالا"),
]


def synthetic_name(i: int) -> tuple[str, str]:
    """The ``i``-th synthetic place name, in English and Urdu script (deterministic).

    >>> synthetic_name(0)
    ('Basti Sher Khan', 'بستی شیر خان')
    """
    p = _PREFIX[i % len(_PREFIX)]
    s = _STEM[(i // len(_PREFIX)) % len(_STEM)]
    x = _SUFFIX[(i // (len(_PREFIX) * len(_STEM))) % len(_SUFFIX)]
    n = i // (len(_PREFIX) * len(_STEM) * len(_SUFFIX))
    extra = f" {n + 1}" if n else ""
    return f"{p[0]} {s[0]} {x[0]}{extra}", f"{p[1]} {s[1]} {x[1]}{extra}"


def unique_names(names: list[str]) -> list[str]:
    """Make names unique by numbering repeats ("Sher", "Sher 2", ...), first one unchanged.

    Examples
    --------
    >>> unique_names(["Sher", "Gul", "Sher"])
    ['Sher', 'Gul', 'Sher 2']
    """
    count: dict[str, int] = {}
    out = []
    for n in names:
        count[n] = count.get(n, 0) + 1
        out.append(n if count[n] == 1 else f"{n} {count[n]}")
    return out
