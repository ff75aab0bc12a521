"""Every figure the sample region is calibrated to and every causal effect built into it.

This is the one place to read (and change) what the synthetic region looks like. Each figure says
where it comes from: a public source and its year ("the peer doc" cites the team's
notes on public figures, §10: the named publication is the source), or ``assumption`` when no public figure
exists and the value is a judgement. ``guides/sample-region.md`` prints the same table for trainers,
and ``tests/test_synth.py`` checks the generated files against the targets here, within the
tolerances here.

Shares are fractions (0.28 = 28%); money is pounds per week, excluding VAT; durations are years.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

# ---------------------------------------------------------------------------------------------
# Calendar


PERIOD_END = dt.date(2026, 9, 30)
"""End of the latest quarter in the sample (2026-27 Q2): the last quarterly return due by October 2026."""

PLACEMENT_QUARTERS = 6
"""Quarters of placements returns per LA: 2025-26 Q1 to 2026-27 Q2. The standard went live in April
2026 (v1) after the autumn 2025 pilot (v0.1); the sample LAs back-filled 2025-26 from their trackers
on the layout they use now, as North East LAs did for their first return."""

LAST_COLLECTION_YEAR = 2026
"""SSDA903 collection years end with 2026-27 (start year 2026), an in-year extract to PERIOD_END as
regional pipelines take them, so every placements row can be joined to its 903 episode."""

BURN_IN_YEARS = 19
"""Children are simulated from this many years before the history starts, so that the stock at the
start is stationary (a child can be looked after from birth to 18)."""


# ---------------------------------------------------------------------------------------------
# The region (all names and codes invented; see guides/sample-region.md for why they cannot be real)


@dataclass(frozen=True)
class LASpec:
    code: str  # Z + digits: no real ONS (E06/E08/E09/E10 + 6 digits) or DfE (201-938) code looks like it
    name: str
    kind: str  # what sort of place it is (city, county...), for the guide
    stock: int  # children looked after at any one time (target)
    rate_per_10k: int  # CLA per 10,000 children: sets the 0-17 population
    postcode_area: str  # area letters of its outward codes: always Q + one letter, no real UK area
    districts: int  # number of postcode districts
    radius_km: float  # how far its districts spread from its centre
    ifa_share_of_foster: float  # LAs differ: IFA 18-31% of CLA (peer doc §10.2, FOI Sept 2024)
    dfe_number: str  # 3-digit DfE LA number used in UPNs: 990+ is outside DfE's list (201-941)


REGION_NAME = "Esterhold"
REGION_CODE = "ZR1"  # real ONS region codes are E12000001-E12000009
REGION_LAS: tuple[LASpec, ...] = (
    # Rates per 10,000 span the English range 27-184 (DfE 2025, peer doc §10.1) without its extremes.
    LASpec("Z01", "Kestlebury", "city", 1050, 112, "QK", 12, 9.0, 0.42, "990"),
    LASpec("Z02", "Harrowmere", "county", 900, 52, "QH", 14, 26.0, 0.33, "991"),
    LASpec("Z03", "Quillby", "town", 650, 88, "QQ", 8, 11.0, 0.38, "992"),
    LASpec("Z04", "Sallowdene", "unitary", 560, 71, "QS", 8, 13.0, 0.44, "993"),
    LASpec("Z05", "Oxwold", "county", 480, 38, "QX", 10, 24.0, 0.30, "994"),
    LASpec("Z06", "Brindlecombe", "unitary", 360, 95, "QB", 6, 10.0, 0.36, "995"),
)
NEIGHBOUR_REGIONS = (("ZR2", "Norland Reach"), ("ZR3", "Southmere"))
"""Fictional regions next door: they hold homes, carers and postcode districts only (no returns),
so that out-of-region placements exist."""
NEIGHBOUR_LAS_PER_REGION = 5
LA_SPACING_KM = 38.0
"""Distance between neighbouring LA centres: English LAs are 20-60 km across."""

STOCK_BY_LA_AT_SCALE = (535, 0.55)
"""At national scale (--las 150) LA sizes are lognormal with this mean and log-sd: England's 81,770
CLA across ~153 LAs is ~535 per LA (DfE 2025, peer doc §10.4)."""


# ---------------------------------------------------------------------------------------------
# Children: who comes into care, for how long, and how they leave

UASC_SHARE_OF_STOCK = 0.08
"""UASC 6,540 of 81,770 at 31 March 2025 = 8% (DfE 2025, peer doc §10.1 and §10.4)."""

MALE_SHARE = {"all": 0.56, "non_uasc": 0.53, "uasc": 0.94}
"""Males 56% of CLA, 53% excluding UASC (DfE 2025, peer doc §10.1); UASC share derived (assumption)."""

ETHNICITY = {
    # DfE 2025 (peer doc §10.1): White 71%, Mixed 11%, Black 8%, Asian 5%, other 4%, not known 1%.
    # Split within groups is an assumption; UASC are drawn separately below.
    "WBRI": 0.625, "WIRI": 0.005, "WOTH": 0.045, "WIRT": 0.003, "WROM": 0.007,
    "MWBC": 0.040, "MWBA": 0.020, "MWAS": 0.015, "MOTH": 0.035,
    "AIND": 0.008, "APKN": 0.012, "ABAN": 0.005, "AOTH": 0.010, "CHNE": 0.002,
    "BCRB": 0.018, "BAFR": 0.030, "BOTH": 0.012,
    "OOTH": 0.018, "REFU": 0.004, "NOBT": 0.006,
}  # fmt: skip
ETHNICITY_UASC = {"AOTH": 0.30, "BAFR": 0.28, "OOTH": 0.32, "BOTH": 0.05, "WOTH": 0.03, "NOBT": 0.02}
"""UASC come mostly from Afghanistan, Eritrea, Sudan, Iran, Albania, Vietnam (assumption)."""

ENTRY_AGE_BANDS = ((0, 1), (1, 5), (5, 10), (10, 16), (16, 18))
ENTRY_AGE_SHARE = (0.24, 0.06, 0.12, 0.25, 0.33)
"""Age on starting to be looked after (non-UASC), by band: assumption tuned so that the stock's ages
match the targets below (DfE starters are younger than the stock)."""

STOCK_AGE_TARGET = {"under 1": 0.05, "1-4": 0.13, "5-9": 0.17, "10-15": 0.38, "16+": 0.27}
"""Age at 31 March: 10-15 38%, 16+ 27% (DfE 2024 via Home for Good, peer doc §10.1); the split of
the youngest 35% is the peer doc's suggested assumption (§10.4)."""

SHORT_STAY_SHARE = (0.22, 0.25, 0.25, 0.20, 0.22)
"""Share of entrants (by entry-age band) who go home within months (assumption)."""
SHORT_STAY_MEAN_YEARS = 0.45
LONG_STAY_MEAN_YEARS = (2.5, 5.0, 8.0, 12.0, 3.0)
"""Mean length of a long stay by entry-age band, before the 18th birthday cuts it (assumption,
tuned so that starts each year are ~40% of the stock: 33,050 starts on 83,630, DfE 2024)."""
ADOPTION_SHARE = (0.40, 0.20, 0.02, 0.0, 0.0)
"""Entrants (by entry-age band) whose care ends in adoption: about 3,000 adoptions a year
nationally (DfE 2024/2025, peer doc §10.1) on ~33,000 starts (assumption for the split by age)."""
ADOPTION_YEARS = (1.0, 2.6)  # time from entry to the adoption order (assumption)
ADOPTIVE_PLACEMENT_YEARS = (0.4, 0.9)  # time placed for adoption (A3-A6) before the order (assumption)

UASC_ENTRY_AGE = {14.5: 0.10, 15.5: 0.25, 16.5: 0.40, 17.3: 0.25}
"""UASC arrive at 14-17, most at 16-17 (assumption); each value is the start of a band ~0.7 y wide."""

STARTS_PER_STOCK = 0.40
"""Annual starts ~40% of the 31 March stock (33,050 / 83,630, DfE 2024, peer doc §10.4). Not set
directly: it follows from the durations above, and the test checks it."""

FAMILY_SIZE = {1: 0.72, 2: 0.17, 3: 0.075, 4: 0.035}
"""Children entering care together with siblings (share of families by number of children):
assumption (sibling groups are common among younger children)."""
SIBLING_PLAN_TOGETHER = {2: 0.88, 3: 0.80, 4: 0.65}
"""Share of sibling groups whose care plan says they should be placed together (assumption)."""
SIBLING_PLACED_TOGETHER = {2: 0.78, 3: 0.58, 4: 0.40}
"""Of groups planned to be together, the share actually placed all together: sibling groups are
sometimes split, more often the bigger they are (assumption)."""

CIN_CATEGORY = {
    "N1": 0.64,
    "N2": 0.03,
    "N3": 0.03,
    "N4": 0.08,
    "N5": 0.15,
    "N6": 0.02,
    "N7": 0.002,
    "N8": 0.048,
}
"""Category of need at entry (non-UASC; UASC are N8 absent parenting): approximates DfE CLA by
category of need (abuse or neglect about two thirds); assumption for the minor categories."""

LEGAL_STATUS_AT_ENTRY = {"C1": 0.62, "V2": 0.15, "L1": 0.06, "L2": 0.05, "J1": 0.015, "J2": 0.005}
"""First legal status of non-UASC entrants (assumption), tuned so that the stock is ~76% on care
orders and ~19% under section 20 (DfE 2023 via Community Care, peer doc §10.1)."""
LEGAL_STATUS_STOCK_TARGET = {"care order": 0.76, "section 20": 0.19}
V2_TO_CARE_ORDER = 0.35  # share of s20 entrants later made subject to an interim care order (assumption)

# How care ends (REC codes), by route (assumption, consistent with DfE ceased-care shares).
EXIT_REASONS_RETURN = {
    "E4A": 0.40, "E4B": 0.05, "E13": 0.10, "E41": 0.06, "E45": 0.07, "E46": 0.04, "E47": 0.07,
    "E48": 0.02, "E3": 0.10, "E16": 0.01, "E8": 0.05, "E9": 0.015, "E2": 0.002,
}  # fmt: skip
EXIT_REASONS_AGE_OUT = {"E17": 0.20, "E5": 0.42, "E6": 0.12, "E7": 0.03, "E8": 0.23}
EXIT_REASONS_UASC = {"E5": 0.55, "E6": 0.10, "E17": 0.12, "E8": 0.13, "E15": 0.07, "E13": 0.03}
ADOPTION_REC = {"E11": 0.85, "E12": 0.15}

TRANSFER_IN_REGION = {"E3": 0.70, "E4A": 0.045, "E13": 0.045}
"""Of children leaving an LA for these reasons, the share who are looked after again by another LA
of the region (care taken over, or a family move then a new period of care): these are the genuine
cross-LA duplicates in the person extracts (assumption, tuned to 2-4% of persons)."""
TRANSFER_GAP_DAYS = {"E3": (0, 6), "E4A": (40, 360), "E13": (40, 360)}

MOTHER_SHARE_16PLUS = 0.03  # girls aged 16+ in care who are mothers (assumption)


# ---------------------------------------------------------------------------------------------
# Placements: how often children move, what type of home they get, where and at what notice

PLACEMENT_MEAN_YEARS = (4.0, 4.0, 3.8, 2.8, 2.2)
"""Mean length of a placement by age band at its start (assumption, tuned to DfE 2024: 69% of CLA had
one placement in the year and 10% three or more, peer doc §10.1)."""
MOVES_TARGET = {"one placement in year": 0.69, "three or more": 0.10}
PLACEMENT_INSTABILITY_SD = 0.8
"""Some children move far more than others: each child's placements last exp(-z*sd) times the mean,
z rising with the child's complexity (assumption; gives the 10% with three or more moves)."""

MIX_TARGET = {
    # Share of all CLA at a point in time (FOI of 150 LAs, 1 Sept 2024, sufficiency.org.uk; peer doc
    # §10.2/§10.4). "other" here also holds adoption placements, residential schools, YOI, health.
    "inhouse_foster": 0.28, "ifa": 0.25, "kinship": 0.16, "childrens_home": 0.11,
    "supported": 0.10, "with_parents": 0.06, "other": 0.03, "unregulated": 0.01, "secure": 0.001,
}  # fmt: skip
MIX_TOLERANCE = 0.03
"""Absolute tolerance (3 percentage points) for each placement-mix share in the tests."""

# The social worker's preferred type of home (care-plan preference) by age band at placement start.
# Values: (foster, residential, supported) before the risk adjustment (assumption).
PREFERRED_TYPE_BY_AGE = (
    (0.995, 0.005, 0.0),
    (0.99, 0.01, 0.0),
    (0.97, 0.03, 0.0),
    (0.86, 0.14, 0.0),
    (0.21, 0.11, 0.68),
)
PREFERRED_RESIDENTIAL_PER_RISK = 0.42  # log-odds of residential preferred, per risk, age 10+ (assumption)

DISPLACEMENT = {
    # P(residential | foster preferred) = logistic(intercept + per_risk*risks + older*(age>=12) + dol).
    # Built in so that "older children with several risks for whom foster care was preferred are
    # more often placed in residential care" (the commissioner's displacement question, placements
    # standard doc §3.6). Assumption.
    "intercept": -4.45,
    "per_risk": 0.48,
    "older": 1.35,
    "dol": 2.5,
}
SUPPORTED_WHEN_NOT_PREFERRED_16PLUS = (
    0.40  # 16-17s placed in supported accommodation against preference (assumption)
)

SETTING_WITHIN_FOSTER = {
    # Kinship / in-house / IFA split of foster placements: FOI Sept 2024 shares 16 / 28 / 25 of CLA
    # (peer doc §10.2) -> 23% / 41% / 36% of foster; LA-level IFA share from LASpec.
    "kinship": 0.26,
    "ifa_per_risk_log_odds": 0.25,  # IFAs take children with more needs (assumption)
}
OTHER_SETTING_SHARE = {"with_parents": 0.09, "other": 0.012, "secure": 0.001, "unregulated": 0.008}
"""Per-placement chances of the placements that are neither foster nor residential nor supported
(assumption; adoption placements come from the adoption route above)."""

LOCATION_TARGET = {
    # New placements in 2025 (DfE "CLA during the year - by LA", peer doc §10.1), excluding the 13%
    # not known: inside LA 58.6%, outside LA 41.4%, over 20 miles 24.0%.
    "outside_la": 0.414,
    "over_20_miles": 0.240,
    "childrens_home_outside_la": 0.67,  # NAO Sept 2025: 67% of children in children's homes outside their LA
    "childrens_home_over_20_miles": 0.49,  # NAO Sept 2025: 49% more than 20 miles away
}
LOCATION_TOLERANCE = 0.05
OUTSIDE_LA_LOG_ODDS = {
    # P(placement outside the child's LA) = logistic(base[setting] + urgent_today*(neededBy=Today)):
    # urgent placements are more often out of area (assumption; the commissioner's notice question).
    "kinship": -1.05, "inhouse_foster": -1.70, "ifa": -0.40, "childrens_home": 0.35,
    "unregulated": 0.60, "secure": 2.0, "supported": -0.80, "with_parents": -1.2, "adoption": 0.3,
    "other": 0.5, "urgent_today": 0.75,
}  # fmt: skip
FAR_LOG_ODDS = {
    # P(over 20 miles | outside LA) = logistic(base[setting]) (assumption tuned to the NAO figure).
    "kinship": -0.7, "inhouse_foster": -1.2, "ifa": -0.4, "childrens_home": 0.75, "unregulated": 0.8,
    "secure": 2.0, "supported": -0.4, "with_parents": -0.9, "adoption": 0.0, "other": 0.4,
}  # fmt: skip
NEAR_MILES = 20.0  # the national statistic's distance band (DfE)
PL_POST_NOT_RECORDED = 0.03  # 903 PL_POST left blank (13% "not known" nationally, DfE 2025; assumption here)

URGENCY = {
    # When the placement was needed by: (Today, < 5 days, > 5 days) (assumption).
    "entry": (0.45, 0.25, 0.30),  # coming into care is often an emergency
    "move": (0.14, 0.24, 0.62),  # planned moves mostly, some breakdowns
}

REASON_PLACE_CHANGE = {
    # Reasons for placement change (DfE 2024 table, peer doc §10.1), excluding "status change only"
    # (PLACE), which the generator writes for same-carer changes (RNE T).
    "CARPL": 0.41, "OTHER": 0.29, "CREQB": 0.105, "CREQO": 0.08, "CHILD": 0.04, "LAREQ": 0.013,
    "STAND": 0.009, "CLOSE": 0.007, "ALLEG": 0.006, "APPRR": 0.003, "CUSTOD": 0.002,
}  # fmt: skip
LONG_TERM_FOSTER_CONVERSION = 0.35
"""Foster placements lasting over a year that become long-term with the same carers (U6->U4,
U3->U1; RNE T, reason PLACE): status changes are 24% of placement changes (DfE 2024)."""


# ---------------------------------------------------------------------------------------------
# Needs and risks recorded at referral (no public figures: all assumptions, chosen to be plausible)

RISKS = (
    # (standard property, base log-odds at age 15, log-odds per year of age from 15, loading on complexity)
    ("riskSelfHarm", -1.3, 0.10, 1.0),
    ("riskSexualExploitation", -1.9, 0.10, 1.0),
    ("riskCriminalExploitation", -1.8, 0.12, 1.0),
    ("riskDrugAlcohol", -1.6, 0.18, 1.0),
    ("riskEatingDisorder", -3.4, 0.05, 0.8),
    ("riskMissing", -1.0, 0.10, 1.1),
    ("riskToOthersPhysical", -1.2, 0.02, 1.0),
    ("riskToOthersSexual", -3.2, 0.03, 0.9),
    ("riskToOthersFire", -3.4, 0.03, 0.9),
    ("riskToOthersAnimals", -3.3, 0.0, 0.8),
    ("riskToOthersCriminal", -2.8, 0.12, 1.0),
)
RISK_AGE_FLOOR = {"riskToOthersPhysical": 5.0, "riskSelfHarm": 9.0, "riskMissing": 9.0}
"""Below ~9 most risks are near zero; the age effect below 15 is steeper (x2) than above (assumption)."""
COMPLEXITY_SD = 1.0

DOL_LOG_ODDS = {"intercept": -6.4, "per_risk": 0.55, "age10plus": 1.0}
"""Deprivation of liberty order: ~1-2% of placements, mostly older children with many risks (assumption)."""
SOLO_LOG_ODDS = {"intercept": -4.6, "per_risk": 0.50, "dol": 1.8, "age12plus": 0.6}
COMMUNICATION_NEEDS = {"Yes": 0.18, "No": 0.72, "Not specified": 0.10}
CULTURAL_NEEDS = {"Required": 0.20, "Not Required": 0.62, "Not Known": 0.18}
PETS = {"Yes-must": 0.02, "Yes-can": 0.55, "No": 0.18, "Not known": 0.25}
HOME_ADAPTATION = 0.03
ADDITIONAL_SUPPORT_PER_RISK = 0.35  # log-odds of any additional support, per risk (assumption)


# ---------------------------------------------------------------------------------------------
# Weekly cost (pounds, excluding VAT)

COST_MEDIAN_WEEKLY = {
    # Target median weekly cost by setting (2026 prices; each derived from a public figure):
    "kinship": 330.0,  # allowance £170-£299 (national minimum 2025/26) plus support (peer doc §10.3/§10.4)
    "inhouse_foster": 690.0,  # PSSRU 2017 £646 all-in, uprated (peer doc §10.3/§10.4)
    "ifa": 940.0,  # Lincolnshire FOI 2022-23 average £814, CMA 2021 ~£820, uprated (peer doc §10.3)
    "childrens_home": 6000.0,  # NAO Sept 2025 £318,400 a place a year (~£6,100/week); range 5,500-6,500
    "unregulated": 5200.0,  # assumption: unregistered homes are bought at short notice, similar prices
    "secure": 9000.0,  # assumption: secure welfare beds cost well above children's homes
    "supported": 1450.0,  # assumption: no public figure (peer doc §10.3 gap); registered SA 2024+
}
COST_SIGMA = {
    # Log-scale spread around the median: residential has the longest right tail (assumption).
    "kinship": 0.22, "inhouse_foster": 0.20, "ifa": 0.22, "childrens_home": 0.38,
    "unregulated": 0.35, "secure": 0.25, "supported": 0.40,
}  # fmt: skip
COST_TAIL = {"share": 0.06, "log_shift": 0.8}
"""A few placements cost far more (2:1 staffing, bespoke solo homes): a mixture component that is
independent of the recorded needs, so the effects below stay recoverable (assumption)."""
COST_MEDIAN_TOLERANCE = 0.15
"""Relative tolerance (±15%) for each setting's median weekly cost in the tests."""

COST_LOG_EFFECTS = {
    # Causal effects on log weekly cost, on top of the setting's level (assumption; a regression of
    # log(totalWeeklyCost) on these covariates plus setting dummies recovers them):
    "per_risk": 0.08,  # each of the 11 risks recorded as present
    "dol": 0.35,  # deprivation of liberty order
    "solo": 0.25,  # solo placement recommended
    "urgent_today": 0.10,  # needed today
    "urgent_within_5_days": 0.04,  # needed within 5 days
}
COST_CLIP = (120.0, 60000.0)  # clean rows stay inside the standard's £100-£100,000 sense range

COST_BREAKDOWN = {
    # How the total splits into core / additional support / education / other (assumption).
    "additional_share": (0.08, 0.30),  # when additional support is recorded
    "education_share": (0.10, 0.22),  # residential with registered education
    "education_chance": 0.15,
    "other_chance": 0.10,
    "other_share": (0.01, 0.05),
}


# ---------------------------------------------------------------------------------------------
# Supply: the Ofsted-style provider register

PROVIDERS = {
    # Children's homes: 4,010 in England (31 Mar 2025) ~ 26 per LA; places 14,486 / 3,491 homes
    # ~ 4.1 per home (Ofsted 2024/2025, peer doc §10.2). Private ~84% of places (NAO 2025).
    "homes_per_la": 26,
    "home_places": (1, 2, 3, 4, 5, 6, 8),
    "home_places_weights": (0.10, 0.14, 0.20, 0.22, 0.16, 0.10, 0.08),
    "home_sector": {"Private": 0.84, "Local Authority": 0.11, "Voluntary": 0.05},
    "supported_per_la": 6,  # 890 supported accommodation providers (Ofsted July 2025) ~ 6 per LA
    "ifas_in_region": 24,
    "secure_homes": 2,
    "residential_schools_per_region": 2,
    "big_owner_share": 0.35,  # share of private homes run by a handful of large groups (CMA 2021)
}
URN_NOT_ON_REGISTER = 0.005
"""Placements whose URN is not on the register (a typo, or a home that has closed): regional join
finds them (assumption)."""


# ---------------------------------------------------------------------------------------------
# Persons (case-management extracts)

PERSON_NHS_MISSING = 0.04  # no NHS number recorded (more common for UASC; assumption)
PERSON_DUPLICATE_TARGET = (0.02, 0.04)
"""Share of persons in the extracts who also appear in another LA's extract (the issue's 2-4%)."""
PERSON_BAD_IDENTIFIERS = 0.006  # share of person rows with a planted bad NHS number or UPN


# ---------------------------------------------------------------------------------------------
# Planted data-quality defects

DEFECT_ROW_SHARE = 0.03
"""About 3-5% of placements rows carry a planted defect (the issue); every kind appears."""
VARIANT_ROW_SHARE = 0.05
"""Share of rows with a planted known variant spelling (not a defect: normalised silently)."""
QA_DATE_OFF_SHARE = 0.15
"""v1 "date of agreed placement start" differs from the 903 DECOM by 1-7 days in this share of rows,
so a regional join needs a tolerance window (assumption)."""
