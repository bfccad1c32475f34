"""The exclusion model: how the chance of being unregistered changes with travel time.

A binomial GLM (logit link) on counts aggregated per settlement::

    logit P(unregistered_i) = b0 + b_t * min(travel_h_i, cap) [+ b_p * poor_share_i]
                              [+ fixed effect of the admin unit]

fitted with statsmodels on ``(unregistered, registered)`` counts. Standard errors are scaled by
the Pearson chi-square dispersion when it exceeds 1 (quasi-binomial), so that over-dispersion
between settlements widens the confidence intervals instead of hiding. This is an
*association*: distance, poverty and remoteness travel together, so the coefficient is not
proof that distance causes exclusion.

Predictions for a scenario that changes travel times keep each settlement's observed level and
apply the model's relative change::

    expected_unregistered_new_i = unregistered_i * p(t_new_i) / p(t_old_i)
    expected_new_registrations  = sum_i (unregistered_i - expected_unregistered_new_i)
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from geodata.errors import Problem, SchemaError

__all__ = [
    "CrossValidation",
    "ExclusionModel",
    "cross_validate_exclusion",
    "expected_new_registrations",
    "fit_exclusion_model",
]


@dataclass(frozen=True)
class ExclusionModel:
    """A fitted exclusion model.

    Attributes
    ----------
    mode
        Travel mode whose times were used.
    terms
        Names of the coefficients (``"intercept"``, ``"travel_h"``, ...).
    coef, ci_low, ci_high, std_err
        Estimates and 95% confidence intervals, aligned with ``terms``.
    travel_cap_h
        Travel times above this are capped (hours).
    n_settlements, n_households
        What the fit used.
    deviance, null_deviance, pseudo_r2, aic, dispersion
        Fit quality (pseudo R^2 = 1 - deviance / null deviance).
    """

    mode: str
    terms: tuple[str, ...]
    coef: tuple[float, ...]
    ci_low: tuple[float, ...]
    ci_high: tuple[float, ...]
    std_err: tuple[float, ...]
    travel_cap_h: float
    n_settlements: int
    n_households: float
    deviance: float
    null_deviance: float
    pseudo_r2: float
    aic: float
    dispersion: float
    admin_effects: tuple[tuple[str, float], ...] = ()
    uses_poverty: bool = False
    extra_terms: tuple[str, ...] = ()

    def term(self, name: str) -> tuple[float, float, float]:
        """``(estimate, ci_low, ci_high)`` of one term."""
        i = self.terms.index(name)
        return self.coef[i], self.ci_low[i], self.ci_high[i]

    def probability(
        self,
        travel_min: np.ndarray,
        *,
        poor_share: np.ndarray | None = None,
        admin: Sequence[str] | None = None,
        covariates: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Predicted probability of being unregistered for the given travel minutes.

        ``covariates`` gives the values of :attr:`extra_terms` (a missing one counts as 0,
        e.g. the awareness indicator switched off).
        """
        t = np.minimum(
            np.nan_to_num(
                np.asarray(travel_min, float) / 60.0,
                nan=self.travel_cap_h,
                posinf=self.travel_cap_h,
            ),
            self.travel_cap_h,
        )
        z = self.coef[0] + self.coef[1] * t
        if self.uses_poverty:
            if poor_share is None:
                raise ValueError("this model uses poverty: pass poor_share")
            z = z + self.coef[self.terms.index("poor_share")] * np.nan_to_num(poor_share)
        for name in self.extra_terms:
            value = (covariates or {}).get(name)
            if value is not None:
                z = z + self.coef[self.terms.index(name)] * np.nan_to_num(np.asarray(value, float))
        if self.admin_effects and admin is not None:
            eff = dict(self.admin_effects)
            z = z + np.array([eff.get(a, 0.0) for a in admin])
        return np.asarray(1.0 / (1.0 + np.exp(-z)))

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly summary."""
        return {
            "formula": "logit P(unregistered) = "
            + " + ".join("b0" if t == "intercept" else f"b[{t}] * {t}" for t in self.terms),
            "mode": self.mode,
            "travel_cap_h": self.travel_cap_h,
            "coefficients": {
                t: {"estimate": c, "ci95": [lo, hi], "std_err": se}
                for t, c, lo, hi, se in zip(
                    self.terms, self.coef, self.ci_low, self.ci_high, self.std_err, strict=True
                )
            },
            "admin_effects": dict(self.admin_effects),
            "odds_ratio_per_hour": float(np.exp(self.coef[1])),
            "n_settlements": self.n_settlements,
            "n_households": self.n_households,
            "deviance": self.deviance,
            "null_deviance": self.null_deviance,
            "pseudo_r2": self.pseudo_r2,
            "aic": self.aic,
            "dispersion": self.dispersion,
            "caveat": "association, not proof of cause",
        }


def fit_exclusion_model(
    table: pd.DataFrame,
    *,
    mode: str = "motorbike",
    travel_cap_h: float = 8.0,
    with_poverty: bool = False,
    admin_level: str | None = None,
    extra_terms: Sequence[str] = (),
) -> ExclusionModel:
    """Fit the exclusion model to settlement counts.

    Parameters
    ----------
    table
        Settlements with ``households``, ``registered_households`` and ``travel_min_<mode>``
        (and ``poor_share`` if ``with_poverty``, the ``admin_level`` column if given, the
        numeric ``extra_terms`` columns, e.g. ``urban``, a province dummy or an awareness
        indicator). Settlements with unknown coverage or no households are left out.

    Raises
    ------
    SchemaError
        When fewer than 10 settlements have usable data, or columns are missing.
    """
    col = f"travel_min_{mode}"
    need = ["households", "registered_households", col]
    if with_poverty:
        need.append("poor_share")
    if admin_level:
        need.append(admin_level)
    need += [c for c in extra_terms if c not in need]
    missing = [c for c in need if c not in table.columns]
    if missing:
        raise SchemaError(
            [
                Problem("column is missing for the exclusion model", "gaps", column=c)
                for c in missing
            ]
        )
    df = table[need].copy()
    df = df[(df["households"] > 0) & df["registered_households"].notna()]
    if with_poverty:
        df = df[df["poor_share"].notna()]
    if len(df) < 10:
        raise SchemaError(
            [
                Problem(
                    f"only {len(df)} settlements have households and known coverage; the "
                    "exclusion model needs at least 10",
                    "coverage",
                )
            ]
        )
    hh = df["households"].to_numpy(float)
    reg = np.clip(df["registered_households"].to_numpy(float), 0, hh)
    unreg = hh - reg
    t = np.minimum(
        np.nan_to_num(df[col].to_numpy(float) / 60.0, nan=travel_cap_h, posinf=travel_cap_h),
        travel_cap_h,
    )
    x = pd.DataFrame({"intercept": 1.0, "travel_h": t}, index=df.index)
    if with_poverty:
        x["poor_share"] = df["poor_share"].to_numpy(float)
    for name in extra_terms:
        x[name] = np.nan_to_num(df[name].to_numpy(float))
    admin_names: list[str] = []
    if admin_level:
        dummies = pd.get_dummies(
            df[admin_level].astype(str), prefix="", prefix_sep="", drop_first=True, dtype=float
        )
        admin_names = list(dummies.columns)
        x = pd.concat([x, dummies], axis=1)
    import statsmodels.api as sm  # imported here: it takes ~1 s and most callers never fit

    y = np.column_stack([unreg, reg])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = sm.GLM(y, x, family=sm.families.Binomial())
        res = model.fit()
        dispersion = float(res.pearson_chi2 / max(res.df_resid, 1))
        if dispersion > 1.0:  # over-dispersed: widen the intervals (quasi-binomial)
            res = model.fit(scale=dispersion)
    ci = np.asarray(res.conf_int(alpha=0.05))
    terms = tuple(x.columns)
    n_fixed = (3 if with_poverty else 2) + len(extra_terms)
    return ExclusionModel(
        mode=mode,
        terms=terms[:n_fixed],
        coef=tuple(float(v) for v in np.asarray(res.params)[:n_fixed]),
        ci_low=tuple(float(v) for v in ci[:n_fixed, 0]),
        ci_high=tuple(float(v) for v in ci[:n_fixed, 1]),
        std_err=tuple(float(v) for v in np.asarray(res.bse)[:n_fixed]),
        travel_cap_h=travel_cap_h,
        n_settlements=len(df),
        n_households=float(hh.sum()),
        deviance=float(res.deviance),
        null_deviance=float(res.null_deviance),
        pseudo_r2=float(1 - res.deviance / res.null_deviance) if res.null_deviance else 0.0,
        aic=float(res.aic) if np.isfinite(res.aic) else float("nan"),
        dispersion=dispersion,
        admin_effects=tuple(
            (name, float(v))
            for name, v in zip(admin_names, np.asarray(res.params)[n_fixed:], strict=True)
        ),
        uses_poverty=with_poverty,
        extra_terms=tuple(extra_terms),
    )


def expected_new_registrations(
    model: ExclusionModel,
    unregistered: np.ndarray,
    travel_min_old: np.ndarray,
    travel_min_new: np.ndarray,
    **kwargs: object,
) -> np.ndarray:
    """Expected new registrations per settlement when travel times change.

    ``unregistered * (1 - p(new) / p(old))``; negative where access gets worse (e.g. a
    flood), zero where nothing changes. NaN unregistered counts give NaN.
    """
    p_old = model.probability(travel_min_old, **kwargs)  # type: ignore[arg-type]
    p_new = model.probability(travel_min_new, **kwargs)  # type: ignore[arg-type]
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p_old > 0, p_new / p_old, 1.0)
    return np.asarray(np.asarray(unregistered, float) * (1.0 - ratio))


@dataclass(frozen=True)
class CrossValidation:
    """Out-of-sample fit of the exclusion model, folds grouped by admin unit.

    Attributes
    ----------
    group
        The column whose units are kept whole in a fold (e.g. ``"union_council"``).
    folds
        Folds used.
    deviance, null_deviance
        Binomial deviance of the held-out settlements under the fold's model, and under the
        fold's training-set pooled rate (the null model).
    pseudo_r2
        ``1 - deviance / null_deviance`` out of sample.
    in_sample_pseudo_r2
        The same on the full fit, for comparison.
    unit_mae
        Household-weighted mean absolute error of each held-out unit's unregistered share.
    """

    group: str
    folds: int
    deviance: float
    null_deviance: float
    pseudo_r2: float
    in_sample_pseudo_r2: float
    unit_mae: float

    def to_dict(self) -> dict[str, object]:
        """A JSON-friendly summary."""
        return {
            "method": f"grouped {self.folds}-fold by {self.group}",
            "deviance": self.deviance,
            "null_deviance": self.null_deviance,
            "pseudo_r2": self.pseudo_r2,
            "in_sample_pseudo_r2": self.in_sample_pseudo_r2,
            "unit_mae": self.unit_mae,
        }


def cross_validate_exclusion(
    table: pd.DataFrame,
    *,
    group: str = "union_council",
    folds: int = 5,
    **fit_options: object,
) -> CrossValidation:
    """Cross-validate :func:`fit_exclusion_model` with folds that keep each unit whole.

    Each fold's model (``fit_options`` as for :func:`fit_exclusion_model`, without
    ``admin_level`` effects of the held-out units) predicts the settlements of units it never
    saw (scikit-learn's ``GroupKFold``), so the fit reported is what the model says about a
    new union council, not how well it memorised the old ones.

    Raises
    ------
    SchemaError
        When there are fewer than ``folds`` units or a fold has too few settlements.
    """
    from sklearn.model_selection import GroupKFold

    mode = str(fit_options.get("mode", "motorbike"))
    col = f"travel_min_{mode}"
    df = table[(table["households"] > 0) & table["registered_households"].notna()]
    if fit_options.get("with_poverty"):
        df = df[df["poor_share"].notna()]
    units = df[group].astype(str).to_numpy()
    if len(np.unique(units)) < folds:
        raise SchemaError(
            [Problem(f"cross-validation needs at least {folds} {group} units", "gaps")]
        )
    full = fit_exclusion_model(df, **fit_options)  # type: ignore[arg-type]
    hh = df["households"].to_numpy(float)
    unreg = hh - np.clip(df["registered_households"].to_numpy(float), 0, hh)
    pred = np.empty(len(df))
    null = np.empty(len(df))
    for train, test in GroupKFold(n_splits=folds).split(df, groups=units):
        m = fit_exclusion_model(df.iloc[train], **fit_options)  # type: ignore[arg-type]
        t = df.iloc[test]
        pred[test] = m.probability(
            t[col].to_numpy(float),
            poor_share=t["poor_share"].to_numpy(float) if m.uses_poverty else None,
            covariates={n: t[n].to_numpy(float) for n in m.extra_terms},
        )
        null[test] = unreg[train].sum() / hh[train].sum()
    dev = _binomial_deviance(unreg, hh, pred)
    dev0 = _binomial_deviance(unreg, hh, null)
    by_unit = pd.DataFrame({"u": units, "hh": hh, "obs": unreg, "exp": pred * hh})
    g = by_unit.groupby("u").sum()
    mae = float(np.sum(g["hh"] * np.abs(g["obs"] - g["exp"]) / g["hh"]) / g["hh"].sum())
    return CrossValidation(
        group=group,
        folds=folds,
        deviance=dev,
        null_deviance=dev0,
        pseudo_r2=1 - dev / dev0 if dev0 > 0 else float("nan"),
        in_sample_pseudo_r2=full.pseudo_r2,
        unit_mae=mae,
    )


def _binomial_deviance(y: np.ndarray, n: np.ndarray, p: np.ndarray) -> float:
    """Binomial deviance ``2 sum [y log(y / n p) + (n - y) log((n - y) / (n (1 - p)))]``."""
    p = np.clip(p, 1e-12, 1 - 1e-12)
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(y > 0, y * np.log(y / (n * p)), 0.0)
        b = np.where(n - y > 0, (n - y) * np.log((n - y) / (n * (1 - p))), 0.0)
    return float(2.0 * np.sum(a + b))
