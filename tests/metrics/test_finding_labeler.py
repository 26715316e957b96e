"""The rule-based finding labeler on hand-written report sentences (expected labels by hand)."""

from __future__ import annotations

import pytest

from fmbench.finding_lexicon import FINDINGS, REPORT_TYPES, findings_of
from fmbench.metrics.findings import label_report, split_sentences

P, A, U = "present", "absent", "uncertain"

CASES: list[tuple[str, dict[str, str]]] = [
    # ---- affirmed
    ("There is a small left pleural effusion.", {"pleural_effusion": P}),
    ("Moderate right pneumothorax.", {"pneumothorax": P}),
    ("Patchy consolidation in the right lower lobe.", {"consolidation": P}),
    ("The heart is mildly enlarged.", {"cardiomegaly": P}),
    ("Cardiomegaly with interstitial edema.", {"cardiomegaly": P, "pulmonary_edema": P}),
    ("Bibasilar subsegmental atelectasis is noted.", {"atelectasis": P}),
    ("A 6 mm nodule in the left upper lobe.", {"pulmonary_nodule": P}),
    ("Nondisplaced fracture of the right seventh rib; rib fracture confirmed.", {"rib_fracture": P}),
    ("Blunting of the left costophrenic angle.", {"pleural_effusion": P}),
    ("Acute infarct in the left middle cerebral artery territory.", {"acute_infarct": P}),
    ("Restricted diffusion in the right thalamus.", {"acute_infarct": P}),
    ("Old lacunar infarct in the left basal ganglia.", {"chronic_infarct": P}),
    ("Large subdural hematoma along the left convexity.", {"intracranial_hemorrhage": P}),
    ("There is a 2 cm enhancing mass in the right parietal lobe.", {"mass_lesion": P}),
    ("5 mm rightward midline shift.", {"midline_shift": P}),
    ("The ventricles are moderately enlarged.", {"hydrocephalus": P}),
    ("Scattered periventricular white matter hyperintensities.", {"white_matter_hyperintensities": P}),
    ("Generalized volume loss.", {"cerebral_atrophy": P}),
    ("Mucosal thickening in the maxillary sinuses.", {"sinus_disease": P}),
    ("Findings consistent with acute appendicitis.", {"appendicitis": P}),
    ("Large volume pneumoperitoneum.", {"pneumoperitoneum": P}),
    ("High-grade small bowel obstruction with a transition point.", {"bowel_obstruction": P}),
    ("4.1 cm infrarenal abdominal aortic aneurysm.", {"abdominal_aortic_aneurysm": P}),
    ("Small volume ascites.", {"free_fluid": P}),
    ("2.5 cm hepatic lesion in segment 7.", {"liver_lesion": P}),
    ("5 mm left renal stone with mild hydronephrosis.", {"kidney_stone": P, "hydronephrosis": P}),
    ("Multiple gallstones.", {"cholelithiasis": P}),
    ("Peripancreatic fat stranding compatible with pancreatitis.", {"pancreatitis": P}),
    # ---- negated
    ("No pleural effusion.", {"pleural_effusion": A}),
    ("There is no evidence of pneumothorax.", {"pneumothorax": A}),
    ("No evidence of acute infarct.", {"acute_infarct": A}),
    (
        "No focal consolidation, pleural effusion, or pneumothorax.",
        {"consolidation": A, "pleural_effusion": A, "pneumothorax": A},
    ),
    ("Mild cardiomegaly without pulmonary edema.", {"cardiomegaly": P, "pulmonary_edema": A}),
    ("Normal appendix without free fluid.", {"appendicitis": A, "free_fluid": A}),
    ("Negative for intracranial hemorrhage.", {"intracranial_hemorrhage": A}),
    ("Pneumothorax is not seen.", {"pneumothorax": A}),
    ("Free air is not identified.", {"pneumoperitoneum": A}),
    ("The previously seen effusion has resolved.", {"pleural_effusion": A}),
    ("Heart size is normal.", {"cardiomegaly": A}),
    ("The ventricles are normal in size.", {"hydrocephalus": A}),
    ("The appendix is normal.", {"appendicitis": A}),
    ("No hydronephrosis or renal stones.", {"hydronephrosis": A, "kidney_stone": A}),
    ("There is no midline shift or hydrocephalus.", {"midline_shift": A, "hydrocephalus": A}),
    ("No signs of bowel obstruction.", {"bowel_obstruction": A}),
    ("Absence of pneumoperitoneum.", {"pneumoperitoneum": A}),
    ("Without evidence of mass lesion.", {"mass_lesion": A}),
    ("The lungs are free of consolidation.", {"consolidation": A}),
    # ---- uncertain
    ("Opacity at the left base may represent atelectasis.", {"atelectasis": U}),
    ("Cannot exclude a small pneumothorax.", {"pneumothorax": U}),
    ("Pneumonia cannot be excluded.", {"consolidation": U}),
    ("Possible early appendicitis.", {"appendicitis": U}),
    ("Findings are suspicious for acute infarct.", {"acute_infarct": U}),
    ("Subtle hypodensity concerning for liver lesion.", {"liver_lesion": U}),
    ("Small hemorrhage is not excluded.", {"intracranial_hemorrhage": U}),
    ("Probable cholelithiasis.", {"cholelithiasis": U}),
    ("Findings suggestive of pancreatitis.", {"pancreatitis": U}),
    ("Atelectasis versus pneumonia.", {"atelectasis": U, "consolidation": U}),
    ("Equivocal midline shift.", {"midline_shift": U}),
    ("A hepatic cyst is likely.", {"liver_lesion": U}),
    ("Cannot rule out bowel obstruction.", {"bowel_obstruction": U}),
    # ---- scoped negation and mixed sentences
    ("No effusion but a small consolidation.", {"pleural_effusion": A, "consolidation": P}),
    ("No pneumothorax; small left pleural effusion.", {"pneumothorax": A, "pleural_effusion": P}),
    (
        "No acute infarct. There is a chronic lacunar infarct in the pons.",
        {"acute_infarct": A, "chronic_infarct": P},
    ),
    (
        "No hemorrhage, however there is a 3 cm enhancing mass in the left frontal lobe.",
        {"intracranial_hemorrhage": A, "mass_lesion": P},
    ),
    (
        "No free air although there is small bowel obstruction.",
        {"pneumoperitoneum": A, "bowel_obstruction": P},
    ),
    ("Likely atelectasis, no pneumothorax.", {"atelectasis": U, "pneumothorax": A}),
    ("No pneumothorax. Possible small effusion.", {"pneumothorax": A, "pleural_effusion": U}),
    ("No change in the small left pleural effusion.", {"pleural_effusion": P}),
    ("The pneumothorax is no longer seen.", {"pneumothorax": A}),
    ("Hydronephrosis is present without a ureteral stone.", {"hydronephrosis": P, "kidney_stone": A}),
    ("No appendicitis. Gallstones without cholecystitis.", {"appendicitis": A, "cholelithiasis": P}),
    (
        "Chronic small vessel ischemic changes. No acute stroke.",
        {"white_matter_hyperintensities": P, "acute_infarct": A},
    ),
    ("Heart size is normal but there is mild pulmonary edema.", {"cardiomegaly": A, "pulmonary_edema": P}),
]


def test_at_least_sixty_sentences() -> None:
    assert len(CASES) >= 60
    kinds = {s for _, labels in CASES for s in labels.values()}
    assert kinds == {P, A, U}


@pytest.mark.parametrize(("sentence", "expected"), CASES, ids=[c[0][:48] for c in CASES])
def test_sentence(sentence: str, expected: dict[str, str]) -> None:
    assert label_report(sentence) == expected


def test_vocabulary_covers_all_report_types() -> None:
    for rt in REPORT_TYPES:
        assert len(findings_of(rt)) >= 8
        assert any(f.critical for f in findings_of(rt))
    # every finding is recognised under its own name, affirmed, negated and hedged
    for f in FINDINGS:
        assert label_report(f"{f.label}.") == {f.key: P}, f.key
        assert label_report(f"No {f.label}.") == {f.key: A}, f.key
        assert label_report(f"Possible {f.label}.") == {f.key: U}, f.key


def test_report_level_aggregation() -> None:
    report = (
        "FINDINGS: Possible small left pleural effusion. No pneumothorax.\n"
        "IMPRESSION: 1. Small left pleural effusion.\n2. No pneumothorax."
    )
    # affirmed anywhere beats hedged; negated everywhere stays absent
    assert label_report(report) == {"pleural_effusion": P, "pneumothorax": A}


def test_sentence_split_keeps_decimals() -> None:
    assert split_sentences("A 3.2 cm aneurysm. No free air.\nIMPRESSION: x") == [
        "A 3.2 cm aneurysm.",
        "No free air.",
        "IMPRESSION: x",
    ]
