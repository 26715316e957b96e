"""Phrasing grammar of the synthetic radiology reports (used by ``radiology_reports``).

Per finding: the noun phrases that name it (several synonyms), severity words, location words
(``pre``: adjectives such as "left"; ``post``: phrases such as "in the right lower lobe"),
whether the noun is a mass noun ("There is atelectasis", not "a atelectasis"), its prevalence
weight among abnormal studies, and linked indications. Per report type: normal region
statements, normal studies' report texts (a few house styles), normal impressions.
Finding keys are those of :mod:`fmbench.finding_lexicon`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Phr:
    names: tuple[str, ...]
    sev: tuple[str, ...] = ("mild", "moderate", "severe")
    pre: tuple[str, ...] = ("",)
    post: tuple[str, ...] = ("",)
    mass: bool = False
    plural: bool = False
    weight: float = 1.0
    indications: tuple[str, ...] = ()
    extra_present: tuple[str, ...] = ()  # whole sentences with {sevly} (mildly, moderately, ...)
    normal: tuple[str, ...] = ()  # statements of absence without a negation word


LUNG_LOBES = (
    "in the right lower lobe",
    "in the left lower lobe",
    "in the right middle lobe",
    "in the right upper lobe",
    "in the left upper lobe",
    "in the lingula",
)

PHRASES: dict[str, Phr] = {
    # chest X-ray
    "pleural_effusion": Phr(
        ("pleural effusion", "pleural effusion", "effusion"),
        ("small", "moderate", "large"),
        pre=("left", "right", "bilateral"),
        weight=1.4,
        indications=("Decreased breath sounds at the lung base.", "Dyspnea."),
    ),
    "pneumothorax": Phr(
        ("pneumothorax",),
        ("small", "moderate", "large"),
        pre=("left", "right", "left apical", "right apical"),
        weight=0.6,
        indications=("Sudden onset pleuritic chest pain.", "Status post central line placement."),
    ),
    "consolidation": Phr(
        ("consolidation", "airspace consolidation", "pneumonia", "airspace opacity"),
        ("patchy", "focal", "dense"),
        post=LUNG_LOBES,
        mass=True,
        weight=1.5,
        indications=("Fever and productive cough.", "Cough and leukocytosis."),
    ),
    "pulmonary_edema": Phr(
        ("pulmonary edema", "interstitial edema", "pulmonary vascular congestion"),
        ("mild", "moderate", "severe"),
        mass=True,
        weight=0.9,
        indications=("Dyspnea, history of congestive heart failure.", "Bilateral leg swelling and dyspnea."),
    ),
    "cardiomegaly": Phr(
        ("cardiomegaly", "enlargement of the cardiac silhouette"),
        ("mild", "moderate", "marked"),
        mass=True,
        weight=1.2,
        indications=("Hypertension, dyspnea on exertion.",),
        extra_present=("The heart is {sevly} enlarged.", "The cardiac silhouette is {sevly} enlarged."),
        normal=("Heart size is normal.", "The heart is not enlarged.", "Normal heart size."),
    ),
    "atelectasis": Phr(
        ("atelectasis", "subsegmental atelectasis", "atelectatic change"),
        ("mild", "minimal", "bibasilar"),
        mass=True,
        weight=1.2,
        indications=("Postoperative fever.", "Shallow breathing after surgery."),
    ),
    "pulmonary_nodule": Phr(
        ("pulmonary nodule", "nodule", "lung nodule"),
        ("4 mm", "6 mm", "8 mm", "12 mm"),
        post=LUNG_LOBES,
        weight=0.8,
        indications=("Follow-up of a known lung nodule.", "Smoker, screening."),
    ),
    "rib_fracture": Phr(
        ("rib fracture",),
        ("nondisplaced", "minimally displaced", "displaced"),
        pre=("left", "right"),
        post=("of the fifth rib", "of the posterior seventh rib", ""),
        weight=0.5,
        indications=("Fall with chest wall pain.", "Motor vehicle collision."),
    ),
    # brain MRI
    "acute_infarct": Phr(
        ("acute infarct", "acute ischemic infarct", "acute infarction"),
        ("small", "large", "punctate"),
        post=(
            "in the left middle cerebral artery territory",
            "in the right frontal lobe",
            "in the left thalamus",
            "in the right cerebellar hemisphere",
        ),
        weight=1.2,
        indications=("Acute onset left-sided weakness.", "Sudden aphasia."),
    ),
    "chronic_infarct": Phr(
        ("chronic lacunar infarct", "old infarct", "lacunar infarct"),
        ("small", "tiny"),
        post=("in the left basal ganglia", "in the right corona radiata", "in the pons"),
        weight=1.0,
        indications=("History of stroke.",),
    ),
    "intracranial_hemorrhage": Phr(
        ("intraparenchymal hemorrhage", "subdural hematoma", "intracranial hemorrhage"),
        ("small", "moderate", "large"),
        post=("in the right temporal lobe", "along the left convexity", "in the left frontal lobe"),
        weight=0.8,
        indications=("Sudden severe headache.", "Fall on anticoagulation."),
    ),
    "mass_lesion": Phr(
        ("enhancing mass", "mass lesion", "intra-axial mass"),
        ("2.1 cm", "3.4 cm", "1.5 cm"),
        post=("in the left frontal lobe", "in the right parietal lobe", "in the posterior fossa"),
        weight=0.7,
        indications=("New onset seizure.", "Progressive headaches and nausea."),
    ),
    "midline_shift": Phr(
        ("midline shift",),
        ("3 mm", "5 mm", "8 mm"),
        pre=("leftward", "rightward"),
        mass=True,
        weight=0.5,
        indications=("Decreased level of consciousness.",),
    ),
    "hydrocephalus": Phr(
        ("hydrocephalus", "ventriculomegaly"),
        ("mild", "moderate", "marked"),
        mass=True,
        weight=0.6,
        indications=("Gait disturbance and urinary incontinence.",),
        extra_present=("The ventricles are {sevly} enlarged.",),
        normal=("The ventricles are normal in size.", "Normal ventricular size."),
    ),
    "white_matter_hyperintensities": Phr(
        (
            "white matter hyperintensities",
            "chronic small vessel ischemic changes",
            "periventricular white matter hyperintensities",
        ),
        ("scattered", "mild", "confluent"),
        mass=True,
        plural=True,
        weight=1.5,
        indications=("Dizziness.", "Memory complaints."),
    ),
    "cerebral_atrophy": Phr(
        ("cerebral atrophy", "generalized volume loss", "parenchymal volume loss"),
        ("mild", "moderate", "age-appropriate"),
        mass=True,
        weight=1.0,
        indications=("Cognitive decline.",),
    ),
    "sinus_disease": Phr(
        ("paranasal sinus mucosal thickening", "mucosal thickening"),
        ("mild", "moderate"),
        post=("in the maxillary sinuses", "in the ethmoid air cells"),
        mass=True,
        weight=0.8,
        indications=("Headache.",),
    ),
    # abdominal CT
    "appendicitis": Phr(
        ("appendicitis", "acute appendicitis"),
        ("uncomplicated", "early", "perforated"),
        mass=True,
        weight=1.0,
        indications=("Right lower quadrant pain and fever.",),
        normal=("The appendix is normal.", "Normal appendix."),
    ),
    "pneumoperitoneum": Phr(
        ("pneumoperitoneum", "free intraperitoneal air"),
        ("small", "moderate", "large volume"),
        mass=True,
        weight=0.5,
        indications=("Acute abdomen, peritoneal signs.",),
    ),
    "bowel_obstruction": Phr(
        ("small bowel obstruction", "bowel obstruction"),
        ("partial", "high-grade", "early"),
        weight=0.8,
        indications=("Abdominal distension and vomiting.",),
    ),
    "abdominal_aortic_aneurysm": Phr(
        ("abdominal aortic aneurysm", "infrarenal aortic aneurysm"),
        ("3.2 cm", "4.1 cm", "5.6 cm"),
        weight=0.5,
        indications=("Pulsatile abdominal mass.",),
    ),
    "free_fluid": Phr(
        ("free fluid", "ascites"),
        ("small volume", "moderate", "large volume"),
        mass=True,
        post=("in the pelvis", "in the right paracolic gutter", ""),
        weight=1.0,
        indications=("Abdominal distension.",),
    ),
    "liver_lesion": Phr(
        ("hepatic hypodensity", "liver lesion", "hepatic lesion"),
        ("1.2 cm", "2.5 cm", "subcentimeter"),
        post=("in segment 7", "in the left hepatic lobe", "in the right hepatic lobe"),
        weight=1.0,
        indications=("Elevated liver enzymes.", "Staging of colon cancer."),
    ),
    "kidney_stone": Phr(
        ("renal stone", "kidney stone", "nephrolithiasis"),
        ("3 mm", "5 mm", "7 mm"),
        pre=("left", "right"),
        weight=1.2,
        indications=("Left flank pain and hematuria.",),
    ),
    "hydronephrosis": Phr(
        ("hydronephrosis",),
        ("mild", "moderate", "severe"),
        pre=("left", "right"),
        mass=True,
        weight=0.9,
        indications=("Flank pain.",),
    ),
    "cholelithiasis": Phr(
        ("cholelithiasis", "gallstones"),
        ("multiple", "layering", "small"),
        mass=True,
        plural=True,
        weight=1.2,
        indications=("Right upper quadrant pain after meals.",),
    ),
    "pancreatitis": Phr(
        ("acute pancreatitis", "pancreatitis"),
        ("mild", "interstitial edematous"),
        mass=True,
        weight=0.6,
        indications=("Epigastric pain, elevated lipase.",),
    ),
}

SEVLY = {"mild": "mildly", "moderate": "moderately", "marked": "markedly", "severe": "severely"}

GENERIC_INDICATIONS = {
    "chest_xray": ("Cough.", "Shortness of breath.", "Chest pain.", "Preoperative evaluation.", "Fever."),
    "brain_mri": ("Headache.", "Dizziness.", "Altered mental status.", "Seizure.", "Numbness."),
    "ct_abdomen": ("Abdominal pain.", "Nausea and vomiting.", "Weight loss.", "Abdominal pain and fever."),
}

# statements about a region that name no finding of the lexicon; used when nothing there is abnormal
REGION_NORMAL = {
    "chest_xray": (
        "The lungs are clear.",
        "The cardiomediastinal silhouette is within normal limits.",
        "No acute osseous abnormality.",
    ),
    "brain_mri": (
        "The gray-white matter differentiation is preserved.",
        "The major intracranial flow voids are maintained.",
        "The orbits are unremarkable.",
    ),
    "ct_abdomen": (
        "The liver, spleen and adrenal glands are unremarkable.",
        "The bowel is normal in caliber.",
        "No acute osseous abnormality.",
    ),
}

NORMAL_IMPRESSION = {
    "chest_xray": (
        "No acute cardiopulmonary abnormality.",
        "No acute cardiopulmonary process.",
        "Normal chest radiograph.",
    ),
    "brain_mri": (
        "No acute intracranial abnormality.",
        "Normal MRI of the brain.",
        "No acute intracranial process.",
    ),
    "ct_abdomen": (
        "No acute abdominal or pelvic abnormality.",
        "No acute process in the abdomen or pelvis.",
        "Unremarkable CT of the abdomen and pelvis.",
    ),
}

# pertinent negatives a radiologist states for the report type, most common first
PERTINENT_NEGATIVES = {
    "chest_xray": ("pneumothorax", "pleural_effusion", "consolidation", "pulmonary_edema", "cardiomegaly"),
    "brain_mri": (
        "intracranial_hemorrhage",
        "acute_infarct",
        "mass_lesion",
        "midline_shift",
        "hydrocephalus",
    ),
    "ct_abdomen": ("pneumoperitoneum", "bowel_obstruction", "appendicitis", "free_fluid", "hydronephrosis"),
}

# normal studies: (FINDINGS negatives in order, house style) — a few fixed texts per report type so the
# most common normal report is well defined
NORMAL_NEGATIVES = {
    "chest_xray": ("consolidation", "pleural_effusion", "pneumothorax"),
    "brain_mri": ("intracranial_hemorrhage", "acute_infarct", "mass_lesion"),
    "ct_abdomen": ("pneumoperitoneum", "bowel_obstruction", "free_fluid"),
}

RECOMMENDATIONS = {
    "pulmonary_nodule": "Recommend follow-up chest CT in 6 to 12 months.",
    "liver_lesion": "Recommend further characterization with multiphase MRI.",
    "mass_lesion": "Recommend neurosurgical consultation.",
    "abdominal_aortic_aneurysm": "Recommend vascular surgery follow-up.",
}

CRITICAL_NOTE = (
    "Critical result communicated to the referring clinician.",
    "Findings discussed with the ordering provider at the time of interpretation.",
)
