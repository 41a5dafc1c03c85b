"""The four PoC coordinator models of the DPKO/DFS comparative study, side by side.

The study found no model right everywhere: which one suits a mission depends on the authority and resources the
coordinator has, on the mission's size and on how decentralised it is. Each profile says how the model works,
its advantages and drawbacks, the contexts it suits and what it needs to work; ``FACTORS`` rates the models on
the deciding factors (indicative ratings, to open a discussion, not to close it).
"""

from __future__ import annotations

from dataclasses import dataclass

from pochub.core.models.coordination import CoordinatorModel


@dataclass(frozen=True)
class CoordinatorModelProfile:
    """One coordinator model as the comparison presents it."""

    model: CoordinatorModel
    title: str
    coordinator: str
    how_it_works: str
    advantages: tuple[str, ...]
    drawbacks: tuple[str, ...]
    suited_contexts: tuple[str, ...]
    needs: tuple[str, ...]
    template: str
    """The file name of the structure template shipped for this model."""


@dataclass(frozen=True)
class Factor:
    """A deciding factor and how each model fares on it (low / medium / high)."""

    name: str
    question: str
    ratings: tuple[tuple[CoordinatorModel, str], ...]

    def rating(self, model: CoordinatorModel) -> str:
        """This model's rating."""
        return dict(self.ratings)[model]


PROFILES: tuple[CoordinatorModelProfile, ...] = (
    CoordinatorModelProfile(
        model=CoordinatorModel.POC_ADVISERS,
        title="PoC advisers as coordinators",
        coordinator="A Senior PoC Adviser and a PoC unit at mission headquarters, with PoC advisers or focal "
        "points in the field offices, reporting directly to the Head of Mission or a deputy.",
        how_it_works="The Senior PoC Adviser chairs the mission PoC working group, runs the threat matrix and acts "
        "as secretariat of the senior leadership forum; field PoC focal points are secretaries of the field "
        "working groups chaired by the Heads of Office.",
        advantages=(
            "Full-time, dedicated PoC expertise and a single address for PoC inside and outside the mission.",
            "Continuity: the strategy, the threat matrix and the coordination calendar have an owner.",
            "Neutral between sections and components, so it can broker joint civilian-military-police work.",
            "Direct line to the Head of Mission gives PoC issues a route to the top.",
        ),
        drawbacks=(
            "Other components may treat PoC as 'the PoC unit's job' rather than a whole-of-mission task.",
            "An adviser has influence, not command: without leadership backing, tasking components stalls.",
            "Needs posts and budget; a small unit is quickly overwhelmed in a crisis or a large mission.",
        ),
        suited_contexts=(
            "Large multidimensional missions where PoC is the priority mandate.",
            "Missions with many field offices that need common tools and a mission-wide picture.",
            "Contexts with several protection actors (sections, humanitarians) needing one interlocutor.",
        ),
        needs=(
            "A senior post (P-5 or above) with direct access to the Head of Mission.",
            "Field focal points whose PoC function is written into their work plans.",
            "A leadership directive that tasks components to take part.",
        ),
        template="poc_advisers_as_coordinators.yaml",
    ),
    CoordinatorModelProfile(
        model=CoordinatorModel.SUBSTANTIVE_SECTIONS,
        title="Substantive sections as coordinators",
        coordinator="A substantive section with a wide field presence, most often Civil Affairs (or Human Rights), "
        "is given the PoC coordination function on top of its own mandate.",
        how_it_works="The director of the lead section chairs the operational PoC forum and its staff provide the "
        "secretariat; in the field the section's team leaders are the PoC focal points and run the local "
        "protection forums for the Heads of Office.",
        advantages=(
            "Builds on a section that already has staff, networks and community contacts across the field.",
            "Little new structure or budget: PoC coordination starts quickly.",
            "Ties PoC to the section's substantive work (local conflict management, monitoring and reporting).",
        ),
        drawbacks=(
            "PoC competes with the section's other tasks and can slide down its priorities.",
            "Other sections and the uniformed components may see the lead section as partial.",
            "A section director has little leverage over the force and police; joint planning suffers.",
            "Coordination may follow the section's lens (e.g. monitoring rather than physical protection).",
        ),
        suited_contexts=(
            "Missions whose PoC threats are mainly local and inter-communal, where civil affairs leads engagement.",
            "Start-up or drawdown phases without a dedicated PoC post.",
            "Missions with a strong, well-deployed section and a moderate military presence.",
        ),
        needs=(
            "An explicit designation by the Head of Mission so that other components accept the lead.",
            "Protected time in the section's work plan for the coordination function.",
            "A military and a police liaison embedded in the operational forum.",
        ),
        template="substantive_sections_as_coordinators.yaml",
    ),
    CoordinatorModelProfile(
        model=CoordinatorModel.GROUPS,
        title="Groups (forums) as coordinators",
        coordinator="No single owner: a standing protection forum of the components and sections, with a rotating "
        "or joint chair, collectively coordinates PoC.",
        how_it_works="A co-chaired mission protection forum (for example a deputy head of mission and the force "
        "chief of operations) decides by consensus; the secretariat rotates among members; field protection "
        "forums, with humanitarian partners as observers, mirror it locally.",
        advantages=(
            "Collective ownership: every component is at the table and shares the decisions.",
            "Brings civilian, military, police and humanitarian perspectives into one analysis.",
            "Resilient to the absence or rotation of any single person.",
        ),
        drawbacks=(
            "Diffuse accountability: when everyone coordinates, no one answers for follow-up.",
            "Consensus is slow; a forum meeting weekly cannot steer a response in hours.",
            "Quality depends on attendance and on the seniority of the people sent.",
            "A rotating secretariat loses records and action points between rotations.",
        ),
        suited_contexts=(
            "Missions where components are of comparable weight and none would accept another's lead.",
            "Stable periods where prevention and consolidation dominate over crisis response.",
            "As the deliberative layer of another model, with a named coordinator behind it.",
        ),
        needs=(
            "Terms of reference with a quorum, a fixed secretariat and an escalation path.",
            "A record of decisions and action points with owners and deadlines, reviewed at every meeting.",
            "A crisis cell (the JOC) that can act between meetings.",
        ),
        template="groups_as_coordinators.yaml",
    ),
    CoordinatorModelProfile(
        model=CoordinatorModel.HEADS_OF_MISSION,
        title="Heads of mission (or office) as coordinators",
        coordinator="The Head of Mission, or a deputy, coordinates PoC personally at headquarters; in the field the "
        "Heads of Office do the same.",
        how_it_works="Senior leadership chairs the PoC forums at every level and tasks components directly; the "
        "Chief of Staff's office (and the Heads of Office's staff in the field) provide the secretariat.",
        advantages=(
            "Maximum authority: decisions are taken and resources moved in the same meeting.",
            "Signals that PoC is the mission's priority, which brings every component along.",
            "Fast in a crisis: the person who decides is the person who coordinates.",
        ),
        drawbacks=(
            "Leaders' time is scarce; PoC coordination slips when political crises compete for it.",
            "Depends on the individual: coordination weakens when the leader rotates or loses interest.",
            "Without a PoC specialist behind the leader, analysis and follow-up are thin.",
        ),
        suited_contexts=(
            "Small or compact missions where leadership can oversee the whole area.",
            "Acute crises where PoC dominates the mission's agenda.",
            "Highly decentralised missions where Heads of Office hold real authority in their areas.",
        ),
        needs=(
            "A small PoC support capacity (an adviser or officer) in the leader's office.",
            "A standing deputy to chair when the leader cannot.",
            "Delegation of PoC coordination to Heads of Office with the means to act.",
        ),
        template="heads_of_mission_as_coordinators.yaml",
    ),
)
"""The four models, in the study's order."""

_M = CoordinatorModel
FACTORS: tuple[Factor, ...] = (
    Factor("Authority of the coordinator", "Can the coordinator task components and move resources?",
           ((_M.POC_ADVISERS, "medium"), (_M.SUBSTANTIVE_SECTIONS, "low"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "high"))),
    Factor("Dedicated resources", "Are staff and time set aside for PoC coordination?",
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "medium"), (_M.GROUPS, "low"),
            (_M.HEADS_OF_MISSION, "low"))),
    Factor("PoC expertise", "Does the coordinator bring specialist PoC knowledge?",
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "medium"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "low"))),
    Factor("Ownership across components", "Do all components see PoC as their own task?",
           ((_M.POC_ADVISERS, "medium"), (_M.SUBSTANTIVE_SECTIONS, "low"), (_M.GROUPS, "high"),
            (_M.HEADS_OF_MISSION, "high"))),
    Factor("Speed in a crisis", "Can the structure decide within hours?",
           ((_M.POC_ADVISERS, "medium"), (_M.SUBSTANTIVE_SECTIONS, "low"), (_M.GROUPS, "low"),
            (_M.HEADS_OF_MISSION, "high"))),
    Factor("Continuity across rotations", "Does coordination survive a change of people?",
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "medium"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "low"))),
    Factor("Fit for large, decentralised missions", "Does it hold up across many field offices?",
           ((_M.POC_ADVISERS, "high"), (_M.SUBSTANTIVE_SECTIONS, "high"), (_M.GROUPS, "medium"),
            (_M.HEADS_OF_MISSION, "medium"))),
)  # fmt: skip
"""The deciding factors the study names (authority, resources, size, decentralisation) and a few that follow."""


def profile(model: CoordinatorModel) -> CoordinatorModelProfile:
    """The profile of one model."""
    return next(p for p in PROFILES if p.model == model)
