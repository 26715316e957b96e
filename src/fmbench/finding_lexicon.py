"""The finding vocabulary of radiology reports (chest X-ray, brain MRI, abdominal CT).

Each finding has a key (also used by the report generator and the structured model input),
the report type it belongs to, whether it is *critical* (urgent and actionable: its omission
counts in ``omission_rate``), the regular expressions that name it in free text, and the
"normal" statements that assert its absence without a negation word ("heart size is normal").

Patterns are written lower-case and matched on lower-cased text with word boundaries. The
labeler resolves overlapping matches by keeping the earliest, then the longest, so that
"chronic lacunar infarct" is not read as an acute "infarct".

A base module (pure data, no imports of its own): the report generator (``fmbench.data``)
and the labeler (``fmbench.metrics.findings``) share it without depending on each other.
"""

from __future__ import annotations

from dataclasses import dataclass

SEV = r"(?:mildly |moderately |markedly |severely |slightly )?"


@dataclass(frozen=True)
class Finding:
    key: str
    report_type: str
    critical: bool
    patterns: tuple[str, ...]
    normal: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return self.key.replace("_", " ")


FINDINGS: tuple[Finding, ...] = (
    # ------------------------------------------------------------------ chest X-ray
    Finding(
        "pleural_effusion",
        "chest_xray",
        False,
        (
            r"pleural effusions?",
            r"effusions?",
            r"pleural fluid",
            r"blunting of the (?:left |right |bilateral )?costophrenic angles?",
        ),
    ),
    Finding("pneumothorax", "chest_xray", True, (r"pneumothora(?:x|ces)", r"collapsed lung")),
    Finding(
        "consolidation",
        "chest_xray",
        False,
        (
            r"(?:focal |lobar |patchy |airspace )?consolidations?",
            r"airspace (?:disease|opacit(?:y|ies))",
            r"pneumonias?",
            r"infiltrates?",
        ),
    ),
    Finding(
        "pulmonary_edema",
        "chest_xray",
        True,
        (
            r"(?:pulmonary|interstitial|alveolar) edema",
            r"(?:pulmonary )?vascular congestion",
        ),
    ),
    Finding(
        "cardiomegaly",
        "chest_xray",
        False,
        (
            r"cardiomegaly",
            r"enlarged (?:cardiac silhouette|heart)",
            r"enlargement of the cardiac silhouette",
            r"(?:the )?(?:heart|cardiac silhouette) is " + SEV + r"enlarged",
        ),
        normal=(
            r"(?:the )?heart size is (?:normal|within normal limits)",
            r"normal (?:heart size|cardiac silhouette)",
            r"(?:the )?(?:heart|cardiac silhouette) is (?:not enlarged|normal in size|within normal limits)",
        ),
    ),
    Finding(
        "atelectasis",
        "chest_xray",
        False,
        (
            r"(?:subsegmental |bibasilar |basilar |plate-like |platelike )?atelectasis",
            r"atelectatic changes?",
            r"lobar collapse",
        ),
    ),
    Finding(
        "pulmonary_nodule",
        "chest_xray",
        False,
        (
            r"(?:pulmonary |lung )?nodules?",
            r"nodular opacit(?:y|ies)",
        ),
    ),
    Finding("rib_fracture", "chest_xray", False, (r"rib fractures?", r"fractured ribs?")),
    # ------------------------------------------------------------------ brain MRI
    Finding(
        "acute_infarct",
        "brain_mri",
        True,
        (
            r"acute (?:ischemic )?infarcts?",
            r"acute (?:ischemic )?infarction",
            r"acute (?:ischemic )?stroke",
            r"restricted diffusion",
            r"infarcts?",
            r"infarction",
            r"ischemic stroke",
        ),
    ),
    Finding(
        "chronic_infarct",
        "brain_mri",
        False,
        (
            r"(?:chronic|old|remote) (?:lacunar )?infarcts?",
            r"lacunar infarcts?",
            r"lacunes?",
            r"encephalomalacia",
        ),
    ),
    Finding(
        "intracranial_hemorrhage",
        "brain_mri",
        True,
        (
            r"(?:intracranial |intraparenchymal |subarachnoid |intraventricular )?ha?emorrhages?",
            r"(?:subdural|epidural) (?:hematomas?|collections?)",
            r"hematomas?",
        ),
    ),
    Finding(
        "mass_lesion",
        "brain_mri",
        True,
        (
            r"(?:intracranial|brain|enhancing|intra-axial|extra-axial) mass(?:es)?",
            r"mass lesions?",
            r"(?:brain )?tumou?rs?",
            r"neoplasms?",
            r"space-occupying lesions?",
        ),
    ),
    Finding("midline_shift", "brain_mri", True, (r"midline shift", r"shift of (?:the )?midline structures")),
    Finding(
        "hydrocephalus",
        "brain_mri",
        True,
        (
            r"hydrocephalus",
            r"ventriculomegaly",
            r"(?:the )?(?:ventricles|ventricular system) (?:is|are) " + SEV + r"(?:enlarged|dilated)",
        ),
        normal=(
            r"(?:the )?(?:ventricles|ventricular system) (?:is|are) "
            r"(?:normal in size|normal|not enlarged|not dilated)",
            r"normal ventricular size",
        ),
    ),
    Finding(
        "white_matter_hyperintensities",
        "brain_mri",
        False,
        (
            r"(?:periventricular |subcortical |deep )?white matter "
            r"(?:hyperintensit(?:y|ies)|changes|disease|lesions?)",
            r"(?:chronic )?small vessel (?:ischemic )?(?:disease|changes)",
            r"leukoaraiosis",
            r"microangiopathic changes?",
        ),
    ),
    Finding(
        "cerebral_atrophy",
        "brain_mri",
        False,
        (r"(?:cerebral |generalized |global |parenchymal )?(?:volume loss|atrophy)",),
    ),
    Finding(
        "sinus_disease",
        "brain_mri",
        False,
        (
            r"(?:paranasal )?sinus (?:disease|mucosal thickening)",
            r"mucosal thickening",
        ),
    ),
    # ------------------------------------------------------------------ abdominal CT
    Finding(
        "appendicitis",
        "ct_abdomen",
        True,
        (
            r"appendicitis",
            r"(?:dilated|inflamed|thickened) appendix",
        ),
        normal=(
            r"(?:the )?appendix is (?:normal|unremarkable|normal in caliber)",
            r"normal appendix",
        ),
    ),
    Finding(
        "pneumoperitoneum",
        "ct_abdomen",
        True,
        (
            r"pneumoperitoneum",
            r"free (?:intraperitoneal )?(?:air|gas)",
            r"extraluminal (?:free )?(?:air|gas)",
        ),
    ),
    Finding(
        "bowel_obstruction",
        "ct_abdomen",
        True,
        (
            r"(?:small |large )?bowel obstruction",
            r"dilated (?:small )?bowel loops",
        ),
    ),
    Finding(
        "abdominal_aortic_aneurysm",
        "ct_abdomen",
        False,
        (
            r"(?:abdominal )?aortic aneurysms?",
            r"aneurysmal dilatation of the (?:abdominal )?aorta",
        ),
    ),
    Finding(
        "free_fluid",
        "ct_abdomen",
        False,
        (
            r"free fluid",
            r"ascites",
            r"(?:intraperitoneal|pelvic) fluid",
        ),
    ),
    Finding(
        "liver_lesion",
        "ct_abdomen",
        False,
        (
            r"(?:hepatic|liver) (?:lesions?|mass(?:es)?|hypodensit(?:y|ies)|cysts?)",
            r"(?:hepatic|liver) metastas[ie]s",
        ),
    ),
    Finding(
        "kidney_stone",
        "ct_abdomen",
        False,
        (
            r"(?:kidney|renal) stones?",
            r"(?:nephro|uro)lithiasis",
            r"renal calcul(?:us|i)",
            r"(?:ureteral|ureteric) (?:stones?|calcul(?:us|i))",
        ),
    ),
    Finding(
        "hydronephrosis",
        "ct_abdomen",
        False,
        (r"hydronephrosis", r"hydroureteronephrosis", r"pelvicaliectasis"),
    ),
    Finding(
        "cholelithiasis", "ct_abdomen", False, (r"cholelithiasis", r"gallstones?", r"cholecystolithiasis")
    ),
    Finding(
        "pancreatitis",
        "ct_abdomen",
        False,
        (
            r"pancreatitis",
            r"peripancreatic (?:fat stranding|inflammation|inflammatory changes)",
        ),
    ),
)

BY_KEY: dict[str, Finding] = {f.key: f for f in FINDINGS}
REPORT_TYPES: tuple[str, ...] = ("chest_xray", "brain_mri", "ct_abdomen")
CRITICAL: frozenset[str] = frozenset(f.key for f in FINDINGS if f.critical)


def findings_of(report_type: str) -> list[Finding]:
    return [f for f in FINDINGS if f.report_type == report_type]
